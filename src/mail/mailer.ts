/** One plain-text message to one recipient. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** The outgoing-mail seam: SMTP in the app (smtp-mailer.ts); absent when SMTP_URL is unset. */
export interface Mailer {
  /** Sends the message; rejects when the server refuses it or cannot be reached in time. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

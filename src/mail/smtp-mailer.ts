import type { Transporter } from 'nodemailer';
import type { MailConfig } from '../config/mail-config.js';
import type { Mailer, MailMessage } from './mailer.js';

// nodemailer waits up to 2 minutes to connect and 10 minutes on a silent socket by default.
const TIMEOUT_MS = 30_000;

/**
 * Mail over SMTP with nodemailer. `smtp://` upgrades with STARTTLS whenever the server offers it
 * (and verifies the certificate); `smtps://` speaks TLS from the first byte. Options such as
 * `?tls.rejectUnauthorized=false` in the URL are nodemailer's own.
 */
export function createSmtpMailer(config: MailConfig): Mailer {
  // nodemailer (~20 MB resident) is loaded with the first message, so a process that sends none never holds it.
  let transport: Promise<Transporter> | undefined;
  const open = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport(
      { url: config.smtpUrl, connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS, disableFileAccess: true, disableUrlAccess: true },
      { from: config.from },
    );
  };
  return {
    async send(message: MailMessage): Promise<void> {
      transport ??= open();
      await (await transport).sendMail({ to: message.to, subject: message.subject, text: message.text });
    },
    close(): void {
      void transport?.then((t) => t.close(), () => undefined);
    },
  };
}

import nodemailer from 'nodemailer';
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
  const transport = nodemailer.createTransport(
    { url: config.smtpUrl, connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS, disableFileAccess: true, disableUrlAccess: true },
    { from: config.from },
  );
  return {
    async send(message: MailMessage): Promise<void> {
      await transport.sendMail({ to: message.to, subject: message.subject, text: message.text });
    },
    close(): void {
      transport.close();
    },
  };
}

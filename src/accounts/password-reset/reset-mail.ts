import type { MailMessage } from '../../mail/mailer.js';
import { RESET_TOKEN_TTL_MS, resetLinkPath } from './reset-token.js';

/** The reset message (Django's password_reset_email, in plain text): the link, the username, who asked. */
export function resetMail(to: string, username: string, token: string, publicUrl: string): MailMessage {
  const minutes = RESET_TOKEN_TTL_MS / 60_000;
  return {
    to,
    subject: 'Password reset on photovault',
    text: [
      'You are receiving this email because a password reset was requested for your photovault account.',
      '',
      'Please go to the following page and choose a new password:',
      '',
      `${publicUrl}${resetLinkPath(token)}`,
      '',
      `Your username, in case you’ve forgotten: ${username}`,
      '',
      `The link works once, for ${minutes} minutes. If you did not ask for it, ignore this message: your password stays as it is.`,
      '',
    ].join('\n'),
  };
}

import { emailErrors } from '../accounts/identity.js';
import { readUrl, type EnvReader } from './env-parsers.js';

/** Outgoing mail (SMTP_URL set): password-reset messages. */
export interface MailConfig {
  /** SMTP_URL, `smtp://user:pass@host:port` (STARTTLS when the server offers it) or `smtps://` (TLS from the start). Never logged. */
  readonly smtpUrl: string;
  /** MAIL_FROM: `address` or `Name <address>`. */
  readonly from: string;
  /** PUBLIC_URL without a trailing slash: the origin links in mail point to (never the request's Host header). */
  readonly publicUrl: string;
}

// A display name of printable characters without the ones that would need quoting, then <address>.
const NAMED_ADDRESS = /^([^<>"\\\r\n\p{Cc}]{1,100}?)\s*<([^<>\s]+)>$/u;

export function parseMail(read: EnvReader): MailConfig | undefined {
  const smtp = readUrl(read, 'SMTP_URL', { protocols: ['smtp:', 'smtps:'], example: 'smtp://user:password@host:port' });
  if (smtp === undefined) return undefined;
  return { smtpUrl: smtp.raw, from: parseFrom(read), publicUrl: parsePublicUrl(read) };
}

function parseFrom(read: EnvReader): string {
  const raw = read.optionalString('MAIL_FROM')?.trim();
  if (raw === undefined) throw read.fail('MAIL_FROM', 'is required with SMTP_URL (e.g. "photovault <photos@example.com>")');
  const named = NAMED_ADDRESS.exec(raw);
  const address = named ? (named[2] ?? '') : raw;
  // CR/LF or any control character could inject headers; emailErrors refuses spaces and brackets.
  if (/\p{Cc}/u.test(raw) || emailErrors(address).length > 0) {
    throw read.fail('MAIL_FROM', 'must be an email address or "Name <address>"');
  }
  return raw;
}

function parsePublicUrl(read: EnvReader): string {
  const url = parseOptionalPublicUrl(read);
  if (url === undefined) throw read.fail('PUBLIC_URL', 'is required with SMTP_URL: the https:// address users reach photovault at, for links in mail');
  return url;
}

/** PUBLIC_URL as an origin, or undefined when unset (links in mail, the passkeys' relying party). */
export function parseOptionalPublicUrl(read: EnvReader): string | undefined {
  const url = readUrl(read, 'PUBLIC_URL', { protocols: ['https:', 'http:'], example: 'https://photos.example.com' })?.url;
  if (url === undefined) return undefined;
  const plain = url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  if (!plain || (url.pathname !== '/' && url.pathname !== '')) {
    throw read.fail('PUBLIC_URL', 'must be an http:// or https:// origin without path, query or credentials, such as https://photos.example.com');
  }
  return url.origin;
}

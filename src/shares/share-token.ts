import { createHash, randomBytes } from 'node:crypto';

// 256 random bits, base64url: far beyond the 128 bits OWASP asks of unguessable URL secrets.
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const ID_PATTERN = /^[0-9a-f]{32}$/;
const SHARE_PATH_TOKEN = /^(\/s\/)[^/?#]+/;

/** A new share token, as shown once to the owner inside the link. */
export function generateShareToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Whether a value has the exact shape of a share token (checked before any database look-up). */
export function isWellFormedShareToken(candidate: unknown): candidate is string {
  return typeof candidate === 'string' && TOKEN_PATTERN.test(candidate);
}

/**
 * SHA-256 of a token: what the database keeps, and what it is looked up by (a unique index, so no
 * string comparison of secrets leaks timing). A fast hash suffices for 256-bit random secrets
 * (OWASP Password Storage: slow hashes are for low-entropy passwords).
 */
export function hashShareToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random share id (128 bits, hex): names the link in the owner's forms and in its cookie. */
export function generateShareId(): string {
  return randomBytes(16).toString('hex');
}

export function isWellFormedShareId(candidate: unknown): candidate is string {
  return typeof candidate === 'string' && ID_PATTERN.test(candidate);
}

/** The URL with a share token masked, for logs (OWASP Logging: no secrets in logs). */
export function redactShareToken(url: string): string {
  return url.replace(SHARE_PATH_TOKEN, '$1[redacted]');
}

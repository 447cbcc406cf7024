import { createHash, randomBytes } from 'node:crypto';

// 256 random bits, base64url (OWASP Forgot Password: a long, random, single-use token).
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const RESET_PATH_TOKEN = /^(\/accounts\/password\/reset\/)[^/?#]+/;

/** How long a mailed link works (issue 16: 30 minutes). */
export const RESET_TOKEN_TTL_MS = 30 * 60_000;

export function generateResetToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Whether a value has the exact shape of a reset token (checked before any database look-up). */
export function isWellFormedResetToken(candidate: unknown): candidate is string {
  return typeof candidate === 'string' && TOKEN_PATTERN.test(candidate);
}

/**
 * SHA-256 of a token: all the database keeps, and the key it is found by, so a leaked table holds
 * no usable link. A fast hash suffices for 256-bit random secrets (OWASP Password Storage).
 */
export function hashResetToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The path of the page a mailed link opens. */
export function resetLinkPath(token: string): string {
  return `/accounts/password/reset/${token}/`;
}

/** The URL with a reset token masked, for logs and traces (OWASP Logging: no secrets in logs). */
export function redactResetToken(url: string): string {
  return url.replace(RESET_PATH_TOKEN, '$1[redacted]');
}

import { Secret, TOTP } from 'otpauth';

// RFC 6238 defaults that every authenticator app understands: SHA-1, 6 digits, 30-second steps.
export const TOTP_PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either side: a code typed as it changes, or a phone clock ~30 s off, still works (RFC 6238 5.2). */
const WINDOW = 1;
const ISSUER = 'photovault';

/** A new random TOTP secret (160 bits, RFC 4226's recommended length) in base32, as apps take it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totpFor(secretBase32: string, account: string): TOTP {
  return new TOTP({ issuer: ISSUER, label: account, algorithm: 'SHA1', digits: DIGITS, period: TOTP_PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(secretBase32: string, account: string): string {
  return totpFor(secretBase32, account).toString();
}

/**
 * The time step a six-digit code belongs to, if it is valid within the window around `nowMs`;
 * otherwise null. The caller refuses steps it has already accepted (no replay).
 */
export function matchTotpStep(secretBase32: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secretBase32, '').validate({ token: code, timestamp: nowMs, window: WINDOW });
  if (delta === null) return null;
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS) + delta;
}

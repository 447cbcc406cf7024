import { createHash, randomInt } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;
// No 0/o, 1/l/i: codes are read off paper. 31 symbols × 12 = ~59 bits each, and attempts are throttled.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUPS = 3;
const GROUP_LENGTH = 4;

/** Ten new single-use recovery codes, shown once (`abcd-efgh-jkmn`). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () =>
    Array.from({ length: GROUPS }, () => Array.from({ length: GROUP_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')).join('-'),
  );
}

/** The code as typed, without case, spaces or dashes; null when it cannot be a recovery code. */
export function normalizeRecoveryCode(raw: string): string | null {
  const compact = raw.toLowerCase().replace(/[\s-]/g, '');
  return compact.length === GROUPS * GROUP_LENGTH && [...compact].every((c) => ALPHABET.includes(c)) ? compact : null;
}

/**
 * SHA-256 of a normalised code: the database keeps only this. A plain hash suffices (no argon2)
 * because each code is ~59 random bits, not a human-chosen secret.
 */
export function hashRecoveryCode(normalized: string): string {
  return createHash('sha256').update(normalized).digest('hex');
}

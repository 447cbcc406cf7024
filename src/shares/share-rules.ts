import type { PhotoStatus } from '../db/schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The expiry choices of the share form, in days; 7 is the default. */
export const EXPIRY_CHOICES = [1, 7, 30] as const;
export const DEFAULT_EXPIRY_DAYS = 7;

// A share password is a second secret next to a 256-bit token, so the account policy's length
// floor of 12 is not required; 8 still keeps out the trivially guessed, and the upper bound caps
// the work spent hashing attacker-supplied input (ASVS 5.0 6.2.9 asks that 64 be allowed).
export const MIN_SHARE_PASSWORD_LENGTH = 8;
export const MAX_SHARE_PASSWORD_LENGTH = 1024;

/** Milliseconds for a submitted expiry choice, or null when it is not one of the choices. */
export function parseExpiry(raw: string): number | null {
  const days = EXPIRY_CHOICES.find((choice) => String(choice) === raw);
  return days === undefined ? null : days * DAY_MS;
}

/** Why a photo in this status cannot be shared, or null when it can (only `ready` photos can). */
export function describeUnshareable(status: PhotoStatus): string | null {
  switch (status) {
    case 'ready':
      return null;
    case 'held':
      return 'This photo is held for review, so it cannot be shared.';
    case 'rejected':
    case 'failed':
    case 'removed':
      return 'This photo was not accepted, so it cannot be shared.';
    default:
      return 'This photo is still being processed. It can be shared once it is ready.';
  }
}

/** The password rules' messages for a normalised share password ('' means no password). */
export function sharePasswordErrors(password: string): string[] {
  const length = [...password].length;
  if (length === 0) return [];
  if (length < MIN_SHARE_PASSWORD_LENGTH) return [`The password is too short. Use at least ${MIN_SHARE_PASSWORD_LENGTH} characters, or leave it empty.`];
  if (length > MAX_SHARE_PASSWORD_LENGTH) return [`The password is too long. Use at most ${MAX_SHARE_PASSWORD_LENGTH} characters.`];
  return [];
}

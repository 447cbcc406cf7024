import { countCodePoints } from './code-points.js';

// ASVS 5.0 6.2.1 / NIST SP 800-63B 3.1.1.2: a minimum length is the main strength control
// (Django's MinimumLengthValidator, raised from its default of 8).
export const MIN_PASSWORD_LENGTH = 12;
// ASVS 5.0 6.2.9 asks that at least 64 characters be permitted; the upper bound only caps the
// work spent normalising, checking and hashing attacker-supplied input.
export const MAX_PASSWORD_LENGTH = 1024;

export function validatePasswordLength(password: string): string | null {
  const length = countCodePoints(password);
  if (length < MIN_PASSWORD_LENGTH) {
    return `This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`;
  }
  if (length > MAX_PASSWORD_LENGTH) {
    return `This password is too long. It must contain at most ${MAX_PASSWORD_LENGTH} characters.`;
  }
  return null;
}

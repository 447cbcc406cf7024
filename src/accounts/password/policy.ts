import { validateNotCommonPassword } from './common-password-validator.js';
import { validatePasswordLength } from './length-validator.js';
import { validateNotEntirelyNumeric } from './numeric-validator.js';
import { validateUserAttributeSimilarity } from './similarity-validator.js';
import { checkPasswordStrength } from './strength-check.js';

export interface PasswordUserAttributes {
  username: string;
  email: string;
}

// NIST SP 800-63B 3.1.1.2: apply Unicode normalisation (NFKC) before checking and hashing, so
// the same password typed on different keyboards or input methods is the same secret.
// No trimming or space collapsing: ASVS 5.0 6.2.8 wants the password verified as received.
export function normalizePassword(raw: string): string {
  return raw.normalize('NFKC');
}

// Returns every failing rule's message (empty array = acceptable). `password` must already be
// normalised with normalizePassword(). Order follows Django's default AUTH_PASSWORD_VALIDATORS.
export async function validatePassword(password: string, user: PasswordUserAttributes): Promise<string[]> {
  const failures = [
    validateUserAttributeSimilarity(password, user),
    validatePasswordLength(password),
    validateNotCommonPassword(password),
    validateNotEntirelyNumeric(password),
  ].filter((failure): failure is string => failure !== null);
  // zxcvbn is the expensive check (on its own thread): run it only when the cheap ones already
  // accept the password.
  if (failures.length > 0) return failures;
  const weak = await checkPasswordStrength(password, user);
  return weak === null ? [] : [weak];
}

import { loadCommonPasswords } from './common-password-list.js';

// ASVS 5.0 6.2.4 / NIST SP 800-63B 3.1.1.2: reject passwords found in a list of commonly used
// ones. Same comparison as Django's CommonPasswordValidator: password.lower().strip().
export function validateNotCommonPassword(password: string): string | null {
  const candidate = password.toLowerCase().trim();
  return loadCommonPasswords().has(candidate) ? 'This password is too common.' : null;
}

import { describe, it, expect } from 'vitest';
import { loadCommonPasswords } from '../../../src/accounts/password/common-password-list.js';
import { validateNotCommonPassword } from '../../../src/accounts/password/common-password-validator.js';

const tooCommon = 'This password is too common.';

describe('common password list', () => {
  it('ships at least 10,000 lowercase, trimmed, unique entries', () => {
    const passwords = loadCommonPasswords();
    expect(passwords.size).toBeGreaterThanOrEqual(10_000);
    const malformed = [...passwords].filter((entry) => entry === '' || entry !== entry.toLowerCase().trim());
    expect(malformed).toEqual([]);
  });

  it('is loaded once and cached', () => {
    expect(loadCommonPasswords()).toBe(loadCommonPasswords());
  });

  it('contains the classics', () => {
    const passwords = loadCommonPasswords();
    for (const entry of ['123456', 'password', 'qwerty', 'iloveyou', '1q2w3e4r5t6y', 'password1234']) {
      expect(passwords.has(entry)).toBe(true);
    }
  });
});

describe('validateNotCommonPassword (Django CommonPasswordValidator)', () => {
  it('rejects a common password', () => {
    expect(validateNotCommonPassword('password1234')).toBe(tooCommon);
  });

  it('ignores case, like Django', () => {
    expect(validateNotCommonPassword('PassWord1234')).toBe(tooCommon);
    expect(validateNotCommonPassword('QWERTY123456')).toBe(tooCommon);
  });

  it('ignores surrounding whitespace, like Django', () => {
    expect(validateNotCommonPassword('  password1234  ')).toBe(tooCommon);
    expect(validateNotCommonPassword('\tpassword1234\n')).toBe(tooCommon);
  });

  it('does not ignore inner whitespace', () => {
    expect(validateNotCommonPassword('pass word1234')).toBeNull();
  });

  it('accepts an uncommon password and whitespace-only input', () => {
    expect(validateNotCommonPassword('velvet otter quantum marmalade')).toBeNull();
    expect(validateNotCommonPassword(' '.repeat(12))).toBeNull();
  });
});

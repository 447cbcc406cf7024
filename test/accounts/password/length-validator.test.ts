import { describe, it, expect } from 'vitest';
import {
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  validatePasswordLength,
} from '../../../src/accounts/password/length-validator.js';
import { normalizePassword } from '../../../src/accounts/password/policy.js';

const tooShort = 'This password is too short. It must contain at least 12 characters.';
const tooLong = 'This password is too long. It must contain at most 1024 characters.';

describe('validatePasswordLength', () => {
  it('uses 12 and 1024 as bounds', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(12);
    expect(MAX_PASSWORD_LENGTH).toBe(1024);
  });

  it('rejects 11 characters and accepts 12', () => {
    expect(validatePasswordLength('a'.repeat(11))).toBe(tooShort);
    expect(validatePasswordLength('a'.repeat(12))).toBeNull();
  });

  it('accepts 1024 characters and rejects 1025', () => {
    expect(validatePasswordLength('a'.repeat(1024))).toBeNull();
    expect(validatePasswordLength('a'.repeat(1025))).toBe(tooLong);
  });

  it('rejects the empty password', () => {
    expect(validatePasswordLength('')).toBe(tooShort);
  });

  it('counts an astral-plane emoji as one character', () => {
    expect('😀'.repeat(11).length).toBe(22);
    expect(validatePasswordLength('😀'.repeat(11))).toBe(tooShort);
    expect(validatePasswordLength('😀'.repeat(12))).toBeNull();
    expect(validatePasswordLength('😀'.repeat(1024))).toBeNull();
    expect(validatePasswordLength('😀'.repeat(1025))).toBe(tooLong);
  });

  it('counts combining sequences after NFKC composition', () => {
    const decomposed = 'e\u0301'.repeat(11);
    expect(validatePasswordLength(decomposed)).toBeNull(); // 22 code points before normalisation
    expect(validatePasswordLength(normalizePassword(decomposed))).toBe(tooShort); // 11 x U+00E9
  });

  it('counts spaces, including leading and trailing ones', () => {
    expect(validatePasswordLength(' '.repeat(12))).toBeNull();
    expect(validatePasswordLength(' abcdefghij ')).toBeNull();
    expect(validatePasswordLength(' abcdefghi ')).toBe(tooShort);
  });
});

import { describe, it, expect } from 'vitest';
import { validatePasswordStrength } from '../../../src/accounts/password/strength-validator.js';

const user = { username: 'marmaladeotter', email: 'jane.doe@example.com' };

describe('validatePasswordStrength (zxcvbn score >= 3)', () => {
  it('accepts a strong passphrase', () => {
    expect(validatePasswordStrength('velvet otter quantum marmalade', { username: 'jane', email: 'jane@example.com' })).toBeNull();
  });

  it('rejects a weak password with zxcvbn feedback', () => {
    const message = validatePasswordStrength('aaaaaaaaaaaa', user);
    expect(message).toMatch(/^This password is too easy to guess\. /);
    expect(message).toContain('Repeated characters like "aaa" are easy to guess.');
    expect(message).toContain('Avoid repeated words and characters.');
  });

  it('rejects whitespace-only passwords', () => {
    expect(validatePasswordStrength(' '.repeat(12), user)).toMatch(/^This password is too easy to guess\./);
  });

  it('treats the username and email parts as guessable words', () => {
    const message = validatePasswordStrength('marmaladeotter2024', user);
    expect(message).toContain('There should not be any personal or page related data.');
    expect(validatePasswordStrength('marmaladeotter2024', { username: 'jane', email: 'jane@example.com' })).toBeNull();
  });

  it('only analyses the first 128 characters', () => {
    // A weak 128-character prefix stays weak whatever follows it.
    const weakPrefix = 'a'.repeat(128);
    expect(validatePasswordStrength(`${weakPrefix}velvet otter quantum marmalade`, user)).toMatch(
      /^This password is too easy to guess\./,
    );
  });

  it('does not split a surrogate pair at the 128-character cut', () => {
    expect(() => validatePasswordStrength('😀'.repeat(200), user)).not.toThrow();
  });
});

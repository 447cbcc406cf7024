import { createRequire } from 'node:module';
import { afterEach, describe, it, expect, vi } from 'vitest';
import {
  DICTIONARY_IDLE_RELEASE_MS,
  passwordDictionariesLoaded,
  releasePasswordDictionaries,
  validatePasswordStrength,
} from '../../../src/accounts/password/strength-validator.js';

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

describe('the dictionaries are loaded on demand and released when idle', () => {
  const jane = { username: 'jane', email: 'jane@example.com' };
  const zxcvbnModules = () => Object.keys(createRequire(import.meta.url).cache).filter((key) => key.includes('@zxcvbn-ts'));

  afterEach(() => {
    vi.useRealTimers();
  });

  it('a release unloads the language packs, and the next check loads them again with the same verdicts', () => {
    releasePasswordDictionaries();
    expect(passwordDictionariesLoaded()).toBe(false);
    expect(zxcvbnModules()).toEqual([]);

    const weak = validatePasswordStrength('marmaladeotter2024', user);
    expect(passwordDictionariesLoaded()).toBe(true);
    expect(zxcvbnModules().some((key) => key.includes('language-en'))).toBe(true);

    releasePasswordDictionaries();
    expect(passwordDictionariesLoaded()).toBe(false);
    expect(zxcvbnModules()).toEqual([]);
    releasePasswordDictionaries(); // a second release is harmless

    expect(validatePasswordStrength('marmaladeotter2024', user)).toBe(weak);
    expect(validatePasswordStrength('velvet otter quantum marmalade', jane)).toBeNull();
  });

  it('stay loaded while checks keep coming and are released once idle for the whole period', () => {
    vi.useFakeTimers();
    releasePasswordDictionaries();
    validatePasswordStrength('velvet otter quantum marmalade', jane);
    vi.advanceTimersByTime(DICTIONARY_IDLE_RELEASE_MS - 1000);
    expect(passwordDictionariesLoaded()).toBe(true);

    // A check postpones the release by a whole period.
    validatePasswordStrength('aaaaaaaaaaaa', user);
    vi.advanceTimersByTime(DICTIONARY_IDLE_RELEASE_MS - 1000);
    expect(passwordDictionariesLoaded()).toBe(true);

    vi.advanceTimersByTime(1000);
    expect(passwordDictionariesLoaded()).toBe(false);
    expect(zxcvbnModules()).toEqual([]);

    // Hostile input on a cold start is judged like any other.
    expect(validatePasswordStrength('\u0000'.repeat(20), user)).toMatch(/^This password is too easy to guess\./);
    expect(passwordDictionariesLoaded()).toBe(true);
  });

  it('a load keeps modules it did not add: a release drops only its own', () => {
    releasePasswordDictionaries();
    const require = createRequire(import.meta.url);
    // Something else in the process loaded the core package first.
    require('@zxcvbn-ts/core');
    const core = zxcvbnModules();
    expect(core.length).toBeGreaterThan(0);
    validatePasswordStrength('velvet otter quantum marmalade', jane);
    releasePasswordDictionaries();
    expect(zxcvbnModules()).toEqual(core);
    for (const key of core) delete require.cache[key];
  });
});

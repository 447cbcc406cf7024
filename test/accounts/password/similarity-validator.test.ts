import { describe, it, expect } from 'vitest';
import { validateUserAttributeSimilarity } from '../../../src/accounts/password/similarity-validator.js';

// Django's UserAttributeSimilarityValidatorTest fixture.
const testClient = { username: 'testclient', email: 'testclient@example.com' };

describe('validateUserAttributeSimilarity (Django UserAttributeSimilarityValidator)', () => {
  it('rejects a password equal to the username', () => {
    expect(validateUserAttributeSimilarity('testclient', testClient)).toBe(
      'The password is too similar to the username.',
    );
  });

  it('rejects a password similar to a part of the email address', () => {
    expect(validateUserAttributeSimilarity('example.com', testClient)).toBe(
      'The password is too similar to the email address.',
    );
  });

  it('reports the username first when both attributes match, like Django', () => {
    // 'testclient.example' is 0.71 similar to the username and 0.9 to the email address.
    expect(validateUserAttributeSimilarity('testclient.example', testClient)).toBe(
      'The password is too similar to the username.',
    );
  });

  it('compares case-insensitively', () => {
    expect(validateUserAttributeSimilarity('TESTCLIENT', testClient)).toBe(
      'The password is too similar to the username.',
    );
    expect(validateUserAttributeSimilarity('testclient', { username: 'TestClient', email: '' })).toBe(
      'The password is too similar to the username.',
    );
  });

  it('accepts an unrelated password', () => {
    expect(validateUserAttributeSimilarity('velvet otter quantum marmalade', testClient)).toBeNull();
  });

  it('uses the 0.7 threshold inclusively', () => {
    // quick_ratio('abcdefg', 'abcdefghijklmnopqrst') = 14 / 27 < 0.7
    expect(validateUserAttributeSimilarity('abcdefg', { username: 'abcdefghijklmnopqrst', email: '' })).toBeNull();
    // quick_ratio('abcdefgxyz', 'abcdefguvw') = 14 / 20 = 0.7 exactly -> too similar
    expect(validateUserAttributeSimilarity('abcdefgxyz', { username: 'abcdefguvw', email: '' })).toBe(
      'The password is too similar to the username.',
    );
  });

  it('honours a custom max similarity like Django (0.3 stricter, 1 only identical)', () => {
    const user = { username: 'test', email: '' };
    expect(validateUserAttributeSimilarity('testclient', user)).toBeNull();
    expect(validateUserAttributeSimilarity('testclient', user, 0.3)).toBe(
      'The password is too similar to the username.',
    );
    expect(validateUserAttributeSimilarity('test', user, 1)).toBe('The password is too similar to the username.');
    expect(validateUserAttributeSimilarity('tes', user, 1)).toBeNull();
  });

  it('refuses a max similarity below 0.1, like Django', () => {
    expect(() => validateUserAttributeSimilarity('x', testClient, 0.09)).toThrow(RangeError);
    expect(() => validateUserAttributeSimilarity('x', testClient, Number.NaN)).toThrow(RangeError);
  });

  it('splits attribute values on non-word characters in a Unicode-aware way', () => {
    // With an ASCII-only \W the accented letters would split "garcía" into "garc" and "a".
    const user = { username: 'josé.garcía', email: '' };
    expect(validateUserAttributeSimilarity('garcía2024', user)).toBe('The password is too similar to the username.');
  });

  it('skips empty attribute values and empty parts', () => {
    expect(validateUserAttributeSimilarity('', { username: '', email: '' })).toBeNull();
    // "@@@" splits into two empty parts plus the whole value "@@@".
    expect(validateUserAttributeSimilarity('a very long unrelated passphrase', { username: '@@@', email: '' })).toBeNull();
  });

  it('skips parts that are far shorter than the password (exceeds_maximum_length_ratio)', () => {
    // Password 40 code points, value 1: 40 >= 10 and 1 < 0.35 * 40, so it is never compared.
    expect(validateUserAttributeSimilarity('a'.repeat(40), { username: 'a', email: '' })).toBeNull();
  });

  it('stays fast on a hostile 1 MB password', () => {
    const started = performance.now();
    expect(validateUserAttributeSimilarity('x'.repeat(1_000_000), testClient)).toBeNull();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

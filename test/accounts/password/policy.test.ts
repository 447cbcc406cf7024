import { describe, it, expect } from 'vitest';
import { normalizePassword, validatePassword } from '../../../src/accounts/password/policy.js';

const testClient = { username: 'testclient', email: 'testclient@example.com' };
const tooShort = 'This password is too short. It must contain at least 12 characters.';
const tooLong = 'This password is too long. It must contain at most 1024 characters.';
const tooCommon = 'This password is too common.';
const entirelyNumeric = 'This password is entirely numeric.';
const tooEasy = /^This password is too easy to guess\./;

describe('normalizePassword', () => {
  it('applies NFKC', () => {
    expect(normalizePassword('１２３ＡＢＣ')).toBe('123ABC');
    expect(normalizePassword('e\u0301')).toBe('\u00e9');
    expect(normalizePassword('\u00e9')).toBe('\u00e9');
    expect(normalizePassword('ﬁ')).toBe('fi');
  });

  it('keeps spaces, including leading, trailing and repeated ones', () => {
    expect(normalizePassword('  correct  horse  ')).toBe('  correct  horse  ');
    expect(normalizePassword(' '.repeat(12))).toBe(' '.repeat(12));
  });

  it('maps compatibility spaces to a plain space', () => {
    expect(normalizePassword('a\u00a0b')).toBe('a b');
  });
});

describe('validatePassword', () => {
  it('accepts a strong passphrase', async () => {
    expect(await validatePassword('velvet otter quantum marmalade', testClient)).toEqual([]);
  });

  it('accepts a strong passphrase with leading and trailing spaces', async () => {
    expect(await validatePassword('  velvet otter quantum marmalade  ', testClient)).toEqual([]);
  });

  it('accepts a long non-Latin passphrase with emoji', async () => {
    expect(await validatePassword(normalizePassword('ВеселыйКотЕстРыбу🐟Вечером'), testClient)).toEqual([]);
  });

  it('accepts exactly 1024 characters and rejects 1025', async () => {
    const unit = 'velvet otter quantum marmalade ';
    const password1024 = unit.repeat(34).slice(0, 1024);
    expect(await validatePassword(password1024, testClient)).toEqual([]);
    expect(await validatePassword(`${password1024}x`, testClient)).toEqual([tooLong]);
  });

  it('rejects 11 characters and no longer complains about length at 12', async () => {
    expect(await validatePassword('Zq8#vL2!mW4', testClient)).toEqual([tooShort]);
    expect(await validatePassword('Zq8#vL2!mW4$', testClient)).toEqual([]);
  });

  it('counts emoji as one character each', async () => {
    expect(await validatePassword('🐟🦦🍊🪐🎻🧲🌋🦉🧿🪁🥨', testClient)).toContain(tooShort);
    expect(await validatePassword('🐟🦦🍊🪐🎻🧲🌋🦉🧿🪁🥨🛶', testClient)).not.toContain(tooShort);
  });

  it('reports the similarity to the username (Django test case)', async () => {
    expect(await validatePassword('testclient', testClient)).toEqual([
      'The password is too similar to the username.',
      tooShort,
    ]);
  });

  it('reports the similarity to the email address (Django test case)', async () => {
    expect(await validatePassword('example.com', testClient)).toContain('The password is too similar to the email address.');
  });

  it('rejects common passwords whatever their case and surrounding spaces', async () => {
    for (const candidate of ['password1234', 'PASSWORD1234', '  Password1234  ']) {
      expect(await validatePassword(candidate, testClient)).toContain(tooCommon);
    }
  });

  it('rejects whitespace-only passwords', async () => {
    expect(await validatePassword(' '.repeat(11), testClient)).toEqual([tooShort]);
    const failures = await validatePassword(' '.repeat(12), testClient);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(tooEasy);
  });

  it('rejects numeric-only passwords, including full-width digits after NFKC', async () => {
    expect(await validatePassword('938465027163', testClient)).toContain(entirelyNumeric);
    expect(await validatePassword(normalizePassword('９３８４６５０２７１６３'), testClient)).toContain(entirelyNumeric);
  });

  it('counts combining characters after normalisation', async () => {
    const decomposed = 'Ze\u0301bre\u0301s!Qx'; // 12 code points, 10 once composed
    expect(await validatePassword(normalizePassword(decomposed), testClient)).toContain(tooShort);
  });

  it('reports several failures together, in order', async () => {
    const failures = await validatePassword('123456789012', { username: '123456789012', email: 'someone@example.com' });
    expect(failures).toEqual(['The password is too similar to the username.', tooCommon, entirelyNumeric]);
  });

  it('runs the strength check only when the cheap validators accept the password', async () => {
    const failures = await validatePassword('aaaaaaaaaaaaaaaa', testClient);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(tooEasy);
  });

  it('skips the strength check when the length is out of bounds', async () => {
    expect(await validatePassword('12345', { username: '12345', email: '' })).toEqual([
      'The password is too similar to the username.',
      tooShort,
      tooCommon,
      entirelyNumeric,
    ]);
    expect(await validatePassword('a'.repeat(5000), testClient)).toEqual([tooLong]);
  });

  it('handles the empty password', async () => {
    expect(await validatePassword('', testClient)).toEqual([tooShort]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { fieldErrors, inputValue } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { TestClient } from '../support/client.js';

const TOO_SHORT = 'This password is too short. It must contain at least 12 characters.';
const TOO_LONG = 'This password is too long. It must contain at most 1024 characters.';
const TOO_COMMON = 'This password is too common.';
const NUMERIC = 'This password is entirely numeric.';
const MISMATCH = 'The two password fields didn’t match.';
const EMPTY = 'Enter a password.';
const TOO_EASY = /^This password is too easy to guess\./;

let counter = 0;
const uniqueName = (base: string) => `${base}${++counter}`;

describe.each(DIALECTS)('password policy on the signup form (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
  });
  afterAll(() => t.close());

  async function signup(password1: string, options: { username?: string; email?: string; password2?: string } = {}) {
    const username = options.username ?? uniqueName('policy');
    const email = options.email ?? `${username}@example.org`;
    const res = await new TestClient(t.app).submit('/accounts/signup/', { username, email, password1, password2: options.password2 ?? password1 });
    return { res, username, email, errors: fieldErrors(res.body, 'password1-errors'), confirmErrors: fieldErrors(res.body, 'password2-errors') };
  }

  /** The refused form keeps username and email and never echoes a password. */
  function expectFormKept(result: Awaited<ReturnType<typeof signup>>, ...passwords: string[]) {
    expect(result.res.statusCode).toBe(400);
    expect(inputValue(result.res.body, 'username')).toBe(result.username);
    expect(inputValue(result.res.body, 'email')).toBe(result.email);
    expect(inputValue(result.res.body, 'password1')).toBeNull();
    expect(inputValue(result.res.body, 'password2')).toBeNull();
    for (const password of passwords) if (password.trim().length >= 4) expect(result.res.body).not.toContain(password);
  }

  it('accepts a strong passphrase', async () => {
    const { res } = await signup('velvet otter quantum marmalade');
    expect(res.statusCode).toBe(303);
  });

  it.each([
    ['11 characters', 'Zq8#vL2!mW4'],
    ['one character', 'x'],
    ['11 emoji (counted as characters, not UTF-16 units)', '🐟🦦🍊🪐🎻🧲🌋🦉🧿🪁🥨'],
    ['22 code points that NFKC composes into 11 characters', 'áéíóúýćńśźĺ'.normalize('NFD')],
  ])('too short: %s', async (_label, password) => {
    const result = await signup(password);
    expect(result.errors).toContain(TOO_SHORT);
    expectFormKept(result, password);
  });

  it('accepts exactly 12 characters when otherwise strong', async () => {
    const { res } = await signup('Zq8#vL2!mW4$');
    expect(res.statusCode).toBe(303);
  });

  it('too long: 1,025 characters', async () => {
    const password = 'velvet otter quantum marmalade '.repeat(34).slice(0, 1025);
    expect([...password]).toHaveLength(1025);
    const result = await signup(password);
    expect(result.errors).toContain(TOO_LONG);
    expectFormKept(result, password);
  });

  it('too long: 1,025 emoji (2,050 UTF-16 units)', async () => {
    const password = '🐟🦦🍊🪐🎻'.repeat(205);
    expect([...password]).toHaveLength(1025);
    const result = await signup(password);
    expect(result.errors).toContain(TOO_LONG);
  });

  it('accepts exactly 1,024 characters', async () => {
    const password = 'velvet otter quantum marmalade '.repeat(34).slice(0, 1024);
    const { res } = await signup(password);
    expect(res.statusCode).toBe(303);
  });

  it.each([
    ['ASCII digits', '839274619283746'],
    ['full-width digits (NFKC)', '８３９２７４６１９２８３７４６'],
    ['Arabic-Indic digits', '٨٣٩٢٧٤٦١٩٢٨٣٧٤٦'],
  ])('entirely numeric: %s', async (_label, password) => {
    const result = await signup(password);
    expect(result.errors).toContain(NUMERIC);
    expectFormKept(result, password);
  });

  it.each([
    ['qwerty123456'],
    ['QWERTY123456'],
    ['  qwerty123456  '],
    ['1qaz2wsx3edc'],
    ['ｑｗｅｒｔｙ１２３４５６'],
  ])('too common: %j', async (password) => {
    const result = await signup(password);
    expect(result.errors).toContain(TOO_COMMON);
    expectFormKept(result, password);
  });

  it('too similar to the username', async () => {
    const username = uniqueName('marmaladeotter');
    const password = `${username}!`;
    const result = await signup(password, { username });
    expect(result.errors).toContain('The password is too similar to the username.');
    expectFormKept(result, password);
  });

  it('too similar to a part of the email address', async () => {
    const result = await signup('quantumvelvetine', { username: uniqueName('someoneelse'), email: 'quantum.velvetine@example.org' });
    expect(result.errors).toContain('The password is too similar to the email address.');
    expectFormKept(result, 'quantumvelvetine');
  });

  it('mismatched confirmation', async () => {
    const result = await signup('velvet otter quantum marmalade', { password2: 'velvet otter quantum marmalad' });
    expect(result.confirmErrors).toEqual([MISMATCH]);
    expectFormKept(result, 'velvet otter quantum marmalade', 'velvet otter quantum marmalad');
  });

  it('an empty password', async () => {
    const result = await signup('');
    expect(result.errors).toEqual([EMPTY]);
    expectFormKept(result);
  });

  it.each([
    ['twelve spaces', ' '.repeat(12)],
    ['twelve ideographic spaces (NFKC: twelve spaces)', '\u3000'.repeat(12)],
    ['twelve no-break spaces (NFKC: twelve spaces)', '\u00a0'.repeat(12)],
    ['a repeated character', 'aaaaaaaaaaaaaaaa'],
    ['a keyboard walk', 'qwertyuiopasdfgh'],
  ])('weak: %s', async (_label, password) => {
    const result = await signup(password);
    expect(result.res.statusCode).toBe(400);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.some((e) => TOO_EASY.test(e) || e === TOO_COMMON)).toBe(true);
  });

  it('several failures are all shown', async () => {
    const result = await signup('12345');
    expect(result.errors).toEqual(expect.arrayContaining([TOO_SHORT, TOO_COMMON, NUMERIC]));
  });

  it('keeps leading and trailing spaces: the password is checked and stored as typed', async () => {
    const username = uniqueName('spacey');
    const password = '  velvet otter quantum marmalade  ';
    const created = await signup(password, { username });
    expect(created.res.statusCode).toBe(303);
    expect((await new TestClient(t.app).login(username, password)).statusCode).toBe(303);
    expect((await new TestClient(t.app).login(username, password.trim())).statusCode).toBe(401);
  });

  it('normalises with NFKC: the decomposed spelling of a password logs in too', async () => {
    const username = uniqueName('accented');
    const composed = 'Crème brûlée at the harbour'.normalize('NFC');
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    expect((await signup(composed, { username })).res.statusCode).toBe(303);
    expect((await new TestClient(t.app).login(username, decomposed)).statusCode).toBe(303);
  });

  it('accepts a long non-Latin passphrase with emoji', async () => {
    const { res } = await signup('ВеселыйКотЕстРыбу🐟Вечером');
    expect(res.statusCode).toBe(303);
  });

  it('hostile values in the kept fields are escaped, never markup', async () => {
    const result = await new TestClient(t.app).submit('/accounts/signup/', {
      username: '"><script>alert(1)</script>',
      email: '"><img src=x onerror=alert(1)>@example.org',
      password1: 'short',
      password2: 'short',
    });
    expect(result.statusCode).toBe(400);
    expect(result.body).not.toContain('<script>alert(1)</script>');
    expect(result.body).not.toContain('<img src=x');
    expect(inputValue(result.body, 'username')).toBe('"><script>alert(1)</script>');
  });
});

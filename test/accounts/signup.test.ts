import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { fieldErrors, inputValue } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';

describe.each(DIALECTS)('signup (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  const userCount = async () => Number((await t.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('shows a form with the four contract fields and a CSRF token inside it', async () => {
    const res = await t.app.inject({ url: '/accounts/signup/' });
    expect(res.statusCode).toBe(200);
    const form = /<form method="post" action="\/accounts\/signup\/"[^>]*>([\s\S]*?)<\/form>/.exec(res.body)?.[1];
    expect(form).toBeDefined();
    for (const field of ['_csrf', 'username', 'email', 'password1', 'password2']) expect(form).toContain(`name="${field}"`);
    expect(form).toMatch(/name="password1" type="password"/);
    expect(form).toMatch(/name="password2" type="password"/);
  });

  it('creates the account and redirects to the login page', async () => {
    const before = await userCount();
    const res = await new TestClient(t.app).signup('newcomer');
    expect(res.statusCode).toBe(303);
    expect(new URL(String(res.headers.location), 'http://x').pathname).toBe('/accounts/login/');
    expect(await userCount()).toBe(before + 1);

    const login = await new TestClient(t.app).get(String(res.headers.location));
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('Your account has been created');
  });

  it('does not sign the new user in by itself', async () => {
    const client = new TestClient(t.app);
    await client.signup('not-yet-in');
    expect(client.cookies.has('pv_session')).toBe(false);
    expect((await client.get('/photos/')).statusCode).toBe(303);
  });

  it('stores the user with a random id, the normalised username and key, and an argon2id hash', async () => {
    await new TestClient(t.app).signup('  Ｆｕｌｌｗｉｄｔｈ  ', STRONG_PASSWORD, 'Full@Example.COM');
    const row = await t.db.selectFrom('users').selectAll().where('username_key', '=', 'fullwidth').executeTakeFirstOrThrow();
    expect(row.username).toBe('Fullwidth');
    expect(row.email).toBe('Full@example.com');
    expect(row.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(STRONG_PASSWORD);
  });

  it('refuses a username that differs only by case or compatibility form', async () => {
    await new TestClient(t.app).signup('Duplicate');
    for (const variant of ['duplicate', 'DUPLICATE', 'Ｄｕｐｌｉｃａｔｅ']) {
      const res = await new TestClient(t.app).signup(variant, STRONG_PASSWORD, `other-${Math.random().toString(36).slice(2)}@example.com`);
      expect(res.statusCode).toBe(400);
      expect(fieldErrors(res.body, 'username-errors')).toEqual(['A user with that username already exists.']);
    }
  });

  it.each([
    ['an empty username', '', 'Enter a username.'],
    ['a two-letter username', 'ab', 'A username must have between 3 and 150 characters.'],
    ['a 151-character username', 'a'.repeat(151), 'A username must have between 3 and 150 characters.'],
    ['spaces inside', 'two words', 'Enter a valid username. It may contain only letters, numbers, and @ . + - _ characters.'],
    ['markup', '<b>bold</b>', 'Enter a valid username. It may contain only letters, numbers, and @ . + - _ characters.'],
    ['a slash', 'a/b/c', 'Enter a valid username. It may contain only letters, numbers, and @ . + - _ characters.'],
    ['a zero-width space', 'zero\u200bwidth', 'Enter a valid username. It may contain only letters, numbers, and @ . + - _ characters.'],
    ['a right-to-left override', 'abc\u202edef', 'Enter a valid username. It may contain only letters, numbers, and @ . + - _ characters.'],
  ])('refuses %s', async (_label, username, message) => {
    const res = await new TestClient(t.app).signup(username, STRONG_PASSWORD, 'someone@example.com');
    expect(res.statusCode).toBe(400);
    expect(fieldErrors(res.body, 'username-errors')).toEqual([message]);
  });

  it.each([
    ['', 'Enter an email address.'],
    ['not-an-email', 'Enter a valid email address.'],
    ['a@b', 'Enter a valid email address.'],
    ['two@@example.com', 'Enter a valid email address.'],
    ['spa ce@example.com', 'Enter a valid email address.'],
    ['<script>@example.com', 'Enter a valid email address.'],
    [`${'a'.repeat(250)}@example.com`, 'Enter a valid email address.'],
  ])('refuses the email %j', async (email, message) => {
    const res = await new TestClient(t.app).signup('emailtester', STRONG_PASSWORD, email);
    expect(res.statusCode).toBe(400);
    expect(fieldErrors(res.body, 'email-errors')).toEqual([message]);
  });

  it('reports every failing field at once and keeps the other values', async () => {
    const res = await new TestClient(t.app).submit('/accounts/signup/', { username: 'x', email: 'bad', password1: 'short', password2: 'other' });
    expect(res.statusCode).toBe(400);
    expect(fieldErrors(res.body, 'username-errors')).toHaveLength(1);
    expect(fieldErrors(res.body, 'email-errors')).toHaveLength(1);
    expect(fieldErrors(res.body, 'password1-errors').length).toBeGreaterThanOrEqual(1);
    expect(fieldErrors(res.body, 'password2-errors')).toHaveLength(1);
    expect(inputValue(res.body, 'username')).toBe('x');
    expect(inputValue(res.body, 'email')).toBe('bad');
  });

  it('a refused signup creates no user', async () => {
    const before = await userCount();
    await new TestClient(t.app).signup('nohash', 'short');
    expect(await userCount()).toBe(before);
  });

  it('the form re-rendered after an error carries a fresh, working CSRF token', async () => {
    const client = new TestClient(t.app);
    const failed = await client.signup('retryer', 'short');
    expect(failed.statusCode).toBe(400);
    const token = /name="_csrf" value="([^"]+)"/.exec(failed.body)?.[1];
    expect(token).toBeTruthy();
    const retry = await client.post('/accounts/signup/', { _csrf: token!, username: 'retryer', email: 'retryer@example.com', password1: STRONG_PASSWORD, password2: STRONG_PASSWORD });
    expect(retry.statusCode).toBe(303);
  });
});

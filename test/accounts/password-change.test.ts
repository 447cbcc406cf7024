import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRONG_OLD_PASSWORD } from '../../src/accounts/password-change/password-change-service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';

const NEW_PASSWORD = 'amber willow compass drift';
const NEVER_CACHE = 'max-age=0, no-cache, no-store, must-revalidate, private';
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

async function signedIn(client: TestClient): Promise<boolean> {
  return (await client.get('/photos/')).statusCode === 200;
}

function change(client: TestClient, oldPassword: string, password1: string, password2 = password1) {
  return client.submit('/accounts/password/change/', { old_password: oldPassword, new_password1: password1, new_password2: password2 });
}

describe.each(DIALECTS)('password change (%s)', (dialect) => {
  let t: TestApp;
  let users = 0;
  /** A new user signed in on a client from an address of its own. */
  async function newUser(): Promise<{ name: string; client: TestClient }> {
    const name = `changer${++users}`;
    const client = new TestClient(t.app);
    client.remoteAddress = `10.2.0.${users}`;
    await client.signupAndLogin(name);
    return { name, client };
  }
  async function canLogIn(name: string, password: string) {
    const client = new TestClient(t.app);
    client.remoteAddress = '10.2.1.1';
    return (await client.login(name, password)).statusCode === 303;
  }

  beforeAll(async () => {
    // Lockout after 3 failures per account, so the throttling test is short.
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
  });
  afterAll(() => t.close());

  it('shows a never-cached form with its CSRF token, and sends anonymous visitors to log in', async () => {
    const { client } = await newUser();
    const page = await client.get('/accounts/password/change/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe(NEVER_CACHE);
    expect(page.body).toMatch(/<form method="post" action="\/accounts\/password\/change\/"[^>]*>\s*<input type="hidden" name="_csrf"/);
    for (const field of ['old_password', 'new_password1', 'new_password2']) expect(page.body).toContain(`name="${field}"`);
    const anonymous = await new TestClient(t.app).get('/accounts/password/change/');
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/accounts/login/?next=%2Faccounts%2Fpassword%2Fchange%2F');
  });

  it('changes the password: this browser continues under a new session id, every other session and the old id end', async () => {
    const { name, client } = await newUser();
    const phone = new TestClient(t.app);
    await phone.login(name);
    const before = client.cookies.get('pv_session')!;

    const res = await change(client, STRONG_PASSWORD, NEW_PASSWORD);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/accounts/password/change/done/');
    const after = client.cookies.get('pv_session');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const done = await client.get('/accounts/password/change/done/');
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('Your password was changed.');

    expect(await signedIn(client)).toBe(true);
    expect(await signedIn(phone)).toBe(false);
    const replay = new TestClient(t.app);
    replay.cookies.set('pv_session', before);
    expect(await signedIn(replay)).toBe(false);
    const ids = (await t.db.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id').select('sessions.id_hash').where('users.username', '=', name).execute()).map((r) => r.id_hash);
    expect(ids).toEqual([createHash('sha256').update(after!).digest('hex')]);

    expect(await canLogIn(name, NEW_PASSWORD)).toBe(true);
    expect(await canLogIn(name, STRONG_PASSWORD)).toBe(false);
  });

  it('refuses a wrong old password with a clear message and changes nothing', async () => {
    const { name, client } = await newUser();
    const phone = new TestClient(t.app);
    await phone.login(name);
    const res = await change(client, 'not my password at all', NEW_PASSWORD);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(escapeHtml(WRONG_OLD_PASSWORD));
    expect(await signedIn(client)).toBe(true);
    expect(await signedIn(phone)).toBe(true);
    expect(await canLogIn(name, STRONG_PASSWORD)).toBe(true);
  });

  it('wrong old passwords count towards the login lockout: a stolen session cannot guess it faster than the login form', async () => {
    const { name, client } = await newUser();
    for (let i = 0; i < 3; i++) expect((await change(client, `guess number ${i} wrong`, NEW_PASSWORD)).statusCode).toBe(400);
    const locked = await change(client, STRONG_PASSWORD, NEW_PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.body).toMatch(/Try again in \d+ seconds/);
    // The right password was not even tried: it still is the old one.
    await t.db.deleteFrom('login_throttle').execute();
    expect(await canLogIn(name, STRONG_PASSWORD)).toBe(true);
  });

  it.each([
    ['too short', 'short pw', 'short pw', 'This password is too short'],
    ['too similar to the username', 'USERNAME', 'USERNAME', 'too similar'],
    ['common', 'password1234', 'password1234', 'This password is too common.'],
    ['entirely numeric', '839201748392017', '839201748392017', 'This password is entirely numeric.'],
    ['mismatched', NEW_PASSWORD, `${NEW_PASSWORD}!`, 'The two password fields didn’t match.'],
    ['empty', '', '', 'Enter a new password.'],
  ])('applies the password policy: %s', async (_label, password1, password2, message) => {
    const { name, client } = await newUser();
    const res = await change(client, STRONG_PASSWORD, password1.replace('USERNAME', `${name}x`), password2.replace('USERNAME', `${name}x`));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(escapeHtml(message).replace(/’/g, '’'));
    expect(await signedIn(client)).toBe(true);
    expect(await canLogIn(name, STRONG_PASSWORD)).toBe(true);
  });

  it('needs the CSRF token: a forged post changes nothing', async () => {
    const { name, client } = await newUser();
    const missing = await client.post('/accounts/password/change/', { old_password: STRONG_PASSWORD, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(missing.statusCode).toBe(403);
    const other = await newUser();
    const stolen = await other.client.csrfFrom('/accounts/password/change/');
    const foreign = await client.post('/accounts/password/change/', { _csrf: stolen, old_password: STRONG_PASSWORD, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(foreign.statusCode).toBe(403);
    const crossSite = await client.post('/accounts/password/change/', { _csrf: await client.csrfFrom('/accounts/'), old_password: STRONG_PASSWORD, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD }, { origin: 'https://evil.example' });
    expect(crossSite.statusCode).toBe(403);
    expect(await canLogIn(name, STRONG_PASSWORD)).toBe(true);
  });

  it('refuses oversized, repeated or NUL-bearing fields with a 400, never a 500', async () => {
    const { client } = await newUser();
    expect((await change(client, 'x'.repeat(9000), NEW_PASSWORD)).statusCode).toBe(400);
    expect((await change(client, STRONG_PASSWORD, 'y'.repeat(2000))).statusCode).toBe(400);
    const csrf = await client.csrfFrom('/accounts/password/change/');
    const repeated = await client.request({
      method: 'POST',
      url: '/accounts/password/change/',
      payload: `_csrf=${encodeURIComponent(csrf)}&old_password=a&old_password=b&new_password1=x&new_password2=x`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(repeated.statusCode).toBe(400);
    const nul = await client.request({
      method: 'POST',
      url: '/accounts/password/change/',
      payload: `_csrf=${encodeURIComponent(csrf)}&old_password=a%00b&new_password1=x&new_password2=x`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(nul.statusCode).toBe(400);
  });
});

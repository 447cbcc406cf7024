import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STRONG_PASSWORD, clientWithOwnAddress, type TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { CEREMONY_OPTIONS_LIMIT } from '../../src/accounts/passkeys/passkey-login-routes.js';
import { csrfToken, passkeyLogin, passkeySecondFactor, postJson, registerPasskey, TEST_ORIGIN } from '../support/passkeys.js';
import { SoftwareAuthenticator } from '../support/software-authenticator.js';

const freshClient = (t: TestApp) => clientWithOwnAddress(t.app, 17);

async function signedIn(t: TestApp, username: string): Promise<TestClient> {
  const client = freshClient(t);
  await client.signupAndLogin(username);
  return client;
}

async function auditEvents(t: TestApp, username: string): Promise<string[]> {
  const rows = await t.db.selectFrom('audit_log').select(['event', 'detail']).where('target_name', '=', username).orderBy('at', 'asc').orderBy('id', 'asc').execute();
  return rows.map((r) => r.event);
}

async function passkeysOf(t: TestApp, username: string) {
  return t.db.selectFrom('passkeys').innerJoin('users', 'users.id', 'passkeys.user_id').selectAll('passkeys').where('users.username_key', '=', username).execute();
}

describe.each(DIALECTS)('passkeys (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
  });
  afterAll(() => t.close());

  it('registers several named passkeys (resident key, user verification required) and lists them; each is audited', async () => {
    const client = await signedIn(t, 'pk_owner');
    const token = await csrfToken(client);
    const options = await postJson(client, '/accounts/passkeys/register/options/', {}, token);
    expect(options.statusCode).toBe(200);
    expect(options.headers['cache-control']).toContain('no-store');
    const json = options.json();
    expect(json.rp).toEqual({ name: 'photovault', id: 'localhost' });
    expect(json.authenticatorSelection).toMatchObject({ residentKey: 'required', userVerification: 'required' });
    expect(json.user.name).toBe('pk_owner');
    expect(json.challenge).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    const first = await registerPasskey(client, 'Laptop');
    expect(first.verified.statusCode).toBe(201);
    const second = await registerPasskey(client, 'Phone');
    expect(second.verified.statusCode).toBe(201);
    // The second ceremony names the first passkey as excluded (one authenticator, one passkey).
    const page = await client.get('/accounts/passkeys/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toContain('no-store');
    expect(page.body).toContain('Passkey added.');
    expect(page.body).toContain('data-passkey="Laptop"');
    expect(page.body).toContain('data-passkey="Phone"');
    expect(page.body).toMatch(/<p class="notice" data-passkey-nojs[^>]*>Passkeys need JavaScript/);
    expect(page.body).toContain('src="/static/passkeys.js"');
    const rows = await passkeysOf(t, 'pk_owner');
    expect(rows.map((r) => r.name).sort()).toEqual(['Laptop', 'Phone']);
    expect(rows[0]!.transports).toBe('internal');
    expect(rows[0]!.user_handle).toBe(rows[1]!.user_handle);
    expect(rows[0]!.user_handle).not.toContain(rows[0]!.user_id);
    expect(await auditEvents(t, 'pk_owner')).toEqual(expect.arrayContaining(['passkey_added', 'passkey_added']));
  });

  it('a registration challenge is single-use: replaying the same answer is refused', async () => {
    const client = await signedIn(t, 'pk_replay_reg');
    const { verified, response, token } = await registerPasskey(client, 'Key');
    expect(verified.statusCode).toBe(201);
    const again = await postJson(client, '/accounts/passkeys/register/verify/', { name: 'Again', response }, token);
    expect(again.statusCode).toBe(400);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.json().detail).toMatch(/expired/);
    expect(await passkeysOf(t, 'pk_replay_reg')).toHaveLength(1);
  });

  it('refuses a registration from another origin, for another RP ID, or without user verification', async () => {
    const client = await signedIn(t, 'pk_wrong_origin');
    for (const overrides of [{ origin: 'http://evil.example' }, { origin: 'http://localhost:8080' }, { rpId: 'evil.example' }, { withoutUserVerification: true }]) {
      const { verified } = await registerPasskey(client, 'Bad', overrides);
      expect(verified.statusCode, JSON.stringify(overrides)).toBe(400);
      expect(verified.json().detail).toBe('The passkey could not be verified.');
    }
    expect(await passkeysOf(t, 'pk_wrong_origin')).toHaveLength(0);
    expect(await auditEvents(t, 'pk_wrong_origin')).toContain('passkey_failed');
  });

  it('a challenge issued to one session is not accepted from another session of the same user', async () => {
    const a = await signedIn(t, 'pk_two_sessions');
    const b = freshClient(t);
    await b.login('pk_two_sessions');
    const tokenA = await csrfToken(a);
    const options = await postJson(a, '/accounts/passkeys/register/options/', {}, tokenA);
    const response = new SoftwareAuthenticator(TEST_ORIGIN).create(options.json());
    const fromB = await postJson(b, '/accounts/passkeys/register/verify/', { name: 'Stolen', response }, await csrfToken(b));
    expect(fromB.statusCode).toBe(400);
    expect(await passkeysOf(t, 'pk_two_sessions')).toHaveLength(0);
  });

  it('logs in without a password (discoverable passkey), once per challenge; the assertion cannot be replayed', async () => {
    const owner = await signedIn(t, 'pk_passwordless');
    const { authenticator } = await registerPasskey(owner, 'Laptop');
    const visitor = freshClient(t);
    const { verified, response, token, options } = await passkeyLogin(visitor, authenticator);
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.userVerification).toBe('required');
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toEqual({ redirect: '/photos/' });
    expect((await visitor.get('/photos/')).statusCode).toBe(200);
    const events = await auditEvents(t, 'pk_passwordless');
    expect(events.slice(-2).sort()).toEqual(['login_succeeded', 'passkey_used']);
    const row = (await passkeysOf(t, 'pk_passwordless'))[0]!;
    expect(Number(row.counter)).toBe(1);
    expect(Number(row.last_used_at)).toBeGreaterThan(0);

    // The same assertion again: the challenge is gone (and the pre-login cookie with it).
    // The pre-login CSRF token died with the login (bound to the session); a current one changes nothing.
    expect((await postJson(visitor, '/accounts/login/passkey/verify/', { response }, token)).statusCode).toBe(403);
    const replay = await postJson(visitor, '/accounts/login/passkey/verify/', { response }, await csrfToken(visitor));
    expect(replay.statusCode).toBe(401);
    const stranger = freshClient(t);
    const strangerToken = await csrfToken(stranger, '/accounts/login/');
    await postJson(stranger, '/accounts/login/passkey/options/', {}, strangerToken);
    const replayElsewhere = await postJson(stranger, '/accounts/login/passkey/verify/', { response }, strangerToken);
    expect(replayElsewhere.statusCode).toBe(401);
    expect((await stranger.get('/photos/')).statusCode).toBe(303);
  });

  it('refuses an assertion for the wrong origin or RP ID, and an unknown credential', async () => {
    const owner = await signedIn(t, 'pk_assert_wrong');
    const { authenticator } = await registerPasskey(owner, 'Laptop');
    for (const overrides of [{ origin: 'http://evil.example' }, { rpId: 'evil.example' }, { withoutUserVerification: true }]) {
      const visitor = freshClient(t);
      const { verified } = await passkeyLogin(visitor, authenticator, overrides);
      expect(verified.statusCode, JSON.stringify(overrides)).toBe(401);
      expect(verified.json().detail).toBe('That passkey could not be used to log in.');
      expect((await visitor.get('/photos/')).statusCode).toBe(303);
    }
    const unknown = new SoftwareAuthenticator(TEST_ORIGIN);
    unknown.userHandle = authenticator.userHandle;
    expect((await passkeyLogin(freshClient(t), unknown)).verified.statusCode).toBe(401);
    // A good one still works afterwards: failures did not move the counter.
    expect((await passkeyLogin(freshClient(t), authenticator)).verified.statusCode).toBe(200);
  });

  it('passkey failures are throttled (passwordless per address, second step like codes): a flood gets 429 with Retry-After, one lockout audit entry, no verification', async () => {
    const strict = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '100000', LOGIN_LOCKOUT_SECONDS: '60' });
    try {
      const owner = clientWithOwnAddress(strict.app, 18);
      await owner.signupAndLogin('pk_flooded');
      const { authenticator } = await registerPasskey(owner, 'Laptop');
      const attacker = clientWithOwnAddress(strict.app, 18);
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await passkeyLogin(attacker, authenticator, { origin: 'http://evil.example' })).verified.statusCode);
      expect(statuses).toEqual([401, 401, 401]);
      // Locked: even a good assertion is refused before it is verified (its counter does not move).
      for (let i = 0; i < 10; i++) {
        const { verified } = await passkeyLogin(attacker, authenticator);
        expect(verified.statusCode).toBe(429);
        expect(Number(verified.headers['retry-after'])).toBeGreaterThan(0);
        expect(verified.json().detail).toMatch(/Too many failed login attempts/);
      }
      expect((await attacker.get('/photos/')).statusCode).toBe(303);
      const row = await strict.db.selectFrom('passkeys').select('counter').executeTakeFirstOrThrow();
      expect(Number(row.counter)).toBe(0);
      // Three failures and one lockout in the audit log; the ten throttled requests added nothing.
      const rows = await strict.db.selectFrom('audit_log').select(['event', 'ip']).where('event', 'in', ['passkey_failed', 'login_locked_out', 'login_throttled']).execute();
      expect(rows.map((r) => r.event).sort()).toEqual(['login_locked_out', 'passkey_failed', 'passkey_failed', 'passkey_failed']);
      // Another address is not locked.
      expect((await passkeyLogin(clientWithOwnAddress(strict.app, 18), authenticator)).verified.statusCode).toBe(200);

      // The second step after the password: refused passkeys count like wrong codes, then 429.
      const second = clientWithOwnAddress(strict.app, 18);
      expect((await second.login('pk_flooded')).headers.location).toBe('/accounts/login/2fa/');
      const events = async () => (await strict.db.selectFrom('audit_log').select('event').where('event', 'in', ['two_factor_failed', 'two_factor_throttled']).execute()).map((r) => r.event).sort();
      for (let i = 0; i < 3; i++) expect((await passkeySecondFactor(second, authenticator, { origin: 'http://evil.example' })).verified.statusCode).toBe(401);
      for (let i = 0; i < 5; i++) {
        const { verified } = await passkeySecondFactor(second, authenticator);
        expect(verified.statusCode).toBe(429);
        expect(Number(verified.headers['retry-after'])).toBeGreaterThan(0);
      }
      expect((await second.get('/photos/')).statusCode).toBe(303);
      expect(await events()).toEqual(['two_factor_failed', 'two_factor_failed', 'two_factor_failed', 'two_factor_throttled']);
    } finally {
      await strict.close();
    }
  });

  it('ceremony options are limited per address: a script asking in a loop gets 429 problem documents, other addresses are served, no challenge rows pile up', async () => {
    const loop = freshClient(t);
    const token = await csrfToken(loop, '/accounts/login/');
    const challenges = async () => Number((await t.db.selectFrom('webauthn_challenges').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await challenges();
    const statuses: number[] = [];
    for (let i = 0; i < CEREMONY_OPTIONS_LIMIT.max + 5; i++) statuses.push((await postJson(loop, '/accounts/login/passkey/options/', {}, token)).statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(CEREMONY_OPTIONS_LIMIT.max);
    expect(statuses.slice(CEREMONY_OPTIONS_LIMIT.max)).toEqual([429, 429, 429, 429, 429]);
    const refused = await postJson(loop, '/accounts/login/passkey/options/', {}, token);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json().detail).toMatch(/Too many passkey requests/);
    // The refused requests stored nothing.
    expect((await challenges()) - before).toBeLessThanOrEqual(CEREMONY_OPTIONS_LIMIT.max);
    // The second step's options have a limit of their own: without a login challenge they are 401s, then 429s.
    const secondStep: number[] = [];
    for (let i = 0; i < CEREMONY_OPTIONS_LIMIT.max + 2; i++) secondStep.push((await postJson(loop, '/accounts/login/2fa/passkey/options/', {}, token)).statusCode);
    expect(new Set(secondStep.slice(0, CEREMONY_OPTIONS_LIMIT.max))).toEqual(new Set([401]));
    expect(secondStep.slice(CEREMONY_OPTIONS_LIMIT.max)).toEqual([429, 429]);
    // Another address is served.
    const other = freshClient(t);
    expect((await postJson(other, '/accounts/login/passkey/options/', {}, await csrfToken(other, '/accounts/login/'))).statusCode).toBe(200);
  });

  it('a signature counter that does not rise is refused and audited as a possible clone', async () => {
    const owner = await signedIn(t, 'pk_counter');
    const { authenticator } = await registerPasskey(owner, 'Key');
    expect((await passkeyLogin(freshClient(t), authenticator, { counter: 5 })).verified.statusCode).toBe(200);
    for (const counter of [5, 4]) {
      const visitor = freshClient(t);
      const { verified } = await passkeyLogin(visitor, authenticator, { counter });
      expect(verified.statusCode).toBe(401);
      expect((await visitor.get('/photos/')).statusCode).toBe(303);
    }
    expect((await auditEvents(t, 'pk_counter')).filter((e) => e === 'passkey_counter_regression')).toHaveLength(2);
    expect(Number((await passkeysOf(t, 'pk_counter'))[0]!.counter)).toBe(5);
    expect((await passkeyLogin(freshClient(t), authenticator, { counter: 6 })).verified.statusCode).toBe(200);
  });

  it('a passkey is a second factor after the password; someone else’s passkey is refused there', async () => {
    const owner = await signedIn(t, 'pk_second');
    const { authenticator } = await registerPasskey(owner, 'Laptop');
    const other = await signedIn(t, 'pk_second_other');
    const { authenticator: othersKey } = await registerPasskey(other, 'Theirs');

    const client = freshClient(t);
    const first = await client.login('pk_second', STRONG_PASSWORD, '/albums/');
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/accounts/login/2fa/');
    expect((await client.get('/photos/')).statusCode).toBe(303);
    const step = await client.get('/accounts/login/2fa/');
    expect(step.body).toContain('Use a passkey');
    // No TOTP on this account: no code form.
    expect(step.body).not.toContain('action="/accounts/login/2fa/"');

    const wrong = await passkeySecondFactor(client, othersKey);
    expect(wrong.verified.statusCode).toBe(401);
    expect((await client.get('/photos/')).statusCode).toBe(303);
    expect(await auditEvents(t, 'pk_second')).toContain('two_factor_failed');

    const { verified, options } = await passkeySecondFactor(client, authenticator);
    expect(options.allowCredentials.map((c: { id: string }) => c.id)).toEqual([authenticator.id]);
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toEqual({ redirect: '/albums/' });
    expect((await client.get('/photos/')).statusCode).toBe(200);
    expect((await auditEvents(t, 'pk_second')).slice(-2).sort()).toEqual(['login_succeeded', 'passkey_used']);
    // The challenge cookie is spent: the step cannot be used again.
    expect((await postJson(client, '/accounts/login/2fa/passkey/options/', {}, await csrfToken(client, '/accounts/login/'))).statusCode).toBe(401);
  });

  it('renames and removes with the password; a removed passkey no longer logs in; others’ passkeys are 404', async () => {
    const owner = await signedIn(t, 'pk_manage');
    const { authenticator } = await registerPasskey(owner, 'Old name');
    const id = (await passkeysOf(t, 'pk_manage'))[0]!.id;
    const intruder = await signedIn(t, 'pk_intruder');

    expect((await owner.submit('/accounts/passkeys/', { name: 'New name' }, `/accounts/passkeys/${id}/rename/`)).statusCode).toBe(303);
    expect((await owner.get('/accounts/passkeys/')).body).toContain('data-passkey="New name"');
    const tooLong = await owner.submit('/accounts/passkeys/', { name: 'x'.repeat(65) }, `/accounts/passkeys/${id}/rename/`);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('Use at most 64 characters.');
    expect((await owner.submit('/accounts/passkeys/', { name: 'a\u0000b' }, `/accounts/passkeys/${id}/rename/`)).statusCode).toBe(400);

    // Another user, a malformed id, an unknown id: the same 404, nothing changed.
    for (const url of [`/accounts/passkeys/${id}/rename/`, `/accounts/passkeys/${id}/delete/`]) {
      expect((await intruder.submit('/accounts/', { name: 'Mine now', password: STRONG_PASSWORD }, url)).statusCode).toBe(404);
    }
    for (const bad of ['..%2F..%2Fetc', 'x', "1' OR '1'='1", 'A'.repeat(22)]) {
      expect((await owner.submit('/accounts/passkeys/', { name: 'n' }, `/accounts/passkeys/${bad}/rename/`)).statusCode).toBe(404);
    }
    expect((await passkeysOf(t, 'pk_manage'))[0]!.name).toBe('New name');

    // Removal needs the password (or a code): none, or a wrong one, is refused.
    const none = await owner.submit('/accounts/passkeys/', { password: '' }, `/accounts/passkeys/${id}/delete/`);
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Enter your password');
    const wrong = await owner.submit('/accounts/passkeys/', { password: 'not the password at all' }, `/accounts/passkeys/${id}/delete/`);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('Your password was entered incorrectly.');
    // Without the CSRF token: refused before anything else.
    expect((await owner.post(`/accounts/passkeys/${id}/delete/`, { password: STRONG_PASSWORD })).statusCode).toBe(403);
    expect(await passkeysOf(t, 'pk_manage')).toHaveLength(1);

    const removed = await owner.submit('/accounts/passkeys/', { password: STRONG_PASSWORD }, `/accounts/passkeys/${id}/delete/`);
    expect(removed.statusCode).toBe(303);
    expect((await owner.get('/accounts/passkeys/')).body).toContain('Passkey removed.');
    expect(await passkeysOf(t, 'pk_manage')).toHaveLength(0);
    expect(await auditEvents(t, 'pk_manage')).toEqual(expect.arrayContaining(['passkey_added', 'passkey_renamed', 'passkey_removed']));

    const visitor = freshClient(t);
    expect((await passkeyLogin(visitor, authenticator)).verified.statusCode).toBe(401);
    // With no passkey left, the password alone logs in again.
    expect((await freshClient(t).login('pk_manage')).headers.location).toBe('/photos/');
  });

  it('ceremony endpoints refuse a missing CSRF token, a cross-origin request, malformed bodies and API tokens', async () => {
    const client = await signedIn(t, 'pk_hostile');
    const token = await csrfToken(client);
    expect((await postJson(client, '/accounts/passkeys/register/options/', {}, null)).statusCode).toBe(403);
    expect((await postJson(freshClient(t), '/accounts/login/passkey/options/', {}, null)).statusCode).toBe(403);
    const cross = await client.request({
      method: 'POST',
      url: '/accounts/passkeys/register/options/',
      payload: '{}',
      headers: { 'content-type': 'application/json', 'x-csrf-token': token, origin: 'http://evil.example' },
    });
    expect(cross.statusCode).toBe(403);
    await postJson(client, '/accounts/passkeys/register/options/', {}, token);
    for (const body of [[], 'text', { response: 'x' }, { response: null }, { name: 5, response: {} }, { response: { id: '../../x', rawId: '../../x', type: 'public-key', response: {} } }, { response: { id: 'a'.repeat(5000) } }]) {
      const res = await postJson(client, '/accounts/passkeys/register/verify/', body, token);
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
    const broken = await client.request({ method: 'POST', url: '/accounts/passkeys/register/verify/', payload: '{"response":', headers: { 'content-type': 'application/json', 'x-csrf-token': token } });
    expect(broken.statusCode).toBe(400);
    const huge = await postJson(client, '/accounts/passkeys/register/verify/', { response: { id: 'x', blob: 'y'.repeat(100_000) } }, token);
    expect(huge.statusCode).toBe(413);
    const visitor = freshClient(t);
    const visitorToken = await csrfToken(visitor, '/accounts/login/');
    for (const url of ['/accounts/login/passkey/verify/', '/accounts/login/2fa/passkey/verify/', '/accounts/login/2fa/passkey/options/']) {
      const res = await postJson(visitor, url, { response: { id: 'abc', rawId: 'abc', type: 'public-key', response: {} } }, visitorToken);
      expect(res.statusCode, url).toBe(401);
    }
    // Anonymous visitors cannot reach the account's pages and ceremonies.
    expect((await freshClient(t).get('/accounts/passkeys/')).statusCode).toBe(303);
    expect((await postJson(visitor, '/accounts/passkeys/register/options/', {}, visitorToken)).statusCode).toBe(401);
  });

  it('an admin whose only second factor is a passkey reaches /admin/; resetting two-factor removes the passkeys', async () => {
    const admin = await signedIn(t, 'pk_admin');
    await t.db.updateTable('users').set({ role: 'admin' }).where('username_key', '=', 'pk_admin').execute();
    expect((await admin.get('/admin/')).headers.location).toMatch(/^\/accounts\/2fa\/\?next=/);
    const { authenticator } = await registerPasskey(admin, 'Admin key');
    expect((await admin.get('/admin/')).statusCode).toBe(200);
    const client = freshClient(t);
    await client.login('pk_admin');
    expect((await passkeySecondFactor(client, authenticator)).verified.statusCode).toBe(200);
    expect((await client.get('/admin/')).statusCode).toBe(200);
    const userId = (await t.db.selectFrom('users').select('id').where('username_key', '=', 'pk_admin').executeTakeFirstOrThrow()).id;
    expect((await client.submit('/admin/users/', {}, `/admin/users/${userId}/reset-2fa/`)).statusCode).toBe(303);
    expect(await passkeysOf(t, 'pk_admin')).toHaveLength(0);
  });

  it('serves the browser library’s modules, and nothing else of its package', async () => {
    const client = freshClient(t);
    const index = await client.get('/static/vendor/simplewebauthn/index.js');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toContain('javascript');
    expect((await client.get('/static/vendor/simplewebauthn/methods/startRegistration.js')).statusCode).toBe(200);
    for (const path of ['index.d.ts', 'package.json', '../package.json', '..%2Fpackage.json', 'index.d.ts.map']) {
      expect((await client.get(`/static/vendor/simplewebauthn/${path}`)).statusCode, path).toBe(404);
    }
    expect((await client.get('/static/passkeys.js')).statusCode).toBe(200);
  });
});

describe('passkeys: the relying party', () => {
  it('PUBLIC_URL decides the RP ID and origin; a request from another origin is refused', async () => {
    const t = await createTestApp('sqlite', { PUBLIC_URL: 'https://photos.example.test' });
    try {
      const client = await signedIn(t, 'rp_public');
      const token = await csrfToken(client);
      const options = await postJson(client, '/accounts/passkeys/register/options/', {}, token);
      expect(options.json().rp.id).toBe('photos.example.test');
      // The local origin (http://localhost) is not the public one: the ceremony fails verification.
      const local = new SoftwareAuthenticator(TEST_ORIGIN).create(options.json());
      expect((await postJson(client, '/accounts/passkeys/register/verify/', { name: 'x', response: local }, token)).statusCode).toBe(400);
      const again = await postJson(client, '/accounts/passkeys/register/options/', {}, token);
      const good = new SoftwareAuthenticator('https://photos.example.test').create(again.json());
      expect((await postJson(client, '/accounts/passkeys/register/verify/', { name: 'Good', response: good }, token)).statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });

  it('in production without PUBLIC_URL only localhost serves passkeys; other hosts are told to set PUBLIC_URL', async () => {
    const t = await createTestApp('sqlite', { NODE_ENV: 'production' });
    try {
      const client = await signedIn(t, 'rp_prod');
      expect((await client.get('/accounts/passkeys/')).body).toContain('data-passkey-ceremony="register"');
      const lan = new (client.constructor as typeof TestClient)(t.app, { host: 'photos.lan:3000' });
      lan.cookies.set('x', 'y');
      for (const [k, v] of client.cookies) lan.cookies.set(k, v);
      const page = await lan.get('/accounts/passkeys/');
      expect(page.body).toContain('id="passkeys-unavailable"');
      expect(page.body).not.toContain('/static/passkeys.js');
      const login = await lan.get('/accounts/login/');
      expect(login.body).not.toContain('Sign in with a passkey');
    } finally {
      await t.close();
    }
  });
});

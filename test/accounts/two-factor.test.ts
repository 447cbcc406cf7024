import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Secret, TOTP, URI } from 'otpauth';
import { createTestApp, type TestApp } from '../support/app.js';
import { fieldErrors } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { STRONG_PASSWORD, clientWithOwnAddress, extractCsrf } from '../support/client.js';
import { enableTwoFactor, shownSecret, totpCode } from '../support/two-factor.js';

const STEP_MS = 30_000;
const freshClient = (t: TestApp) => clientWithOwnAddress(t.app, 16);

/** The app's clock (Date only: timers run as usual), moved on a whole TOTP step at a time. */
function nextStep(): number {
  vi.setSystemTime(Date.now() + STEP_MS);
  return Date.now();
}

async function userWithTwoFactor(t: TestApp, username: string) {
  const client = freshClient(t);
  await client.signupAndLogin(username);
  const enabled = await enableTwoFactor(client);
  return { client, ...enabled };
}

describe.each(DIALECTS)('two-factor login (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '5', LOGIN_ADDRESS_MAX_FAILURES: '1000' });
  });
  afterAll(() => t.close());
  afterEach(() => vi.useRealTimers());
  const fakeClock = () => vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });

  it('setup shows the secret as text and as a QR code of the otpauth URI, with a CSRF-protected form', async () => {
    const client = freshClient(t);
    await client.signupAndLogin('setup_user');
    const page = await client.get('/accounts/2fa/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toContain('no-store');
    const secret = shownSecret(page.body);
    expect(Secret.fromBase32(secret).bytes.length).toBe(20);
    expect(page.body).toMatch(/<img id="totp-qr" src="data:image\/svg\+xml;base64,/);
    expect(page.body).toMatch(/<form method="post" action="\/accounts\/2fa\/">[\s\S]*name="_csrf"[\s\S]*name="code"/);
    // The same secret until it is confirmed (a reload does not invalidate the scanned code).
    expect(shownSecret((await client.get('/accounts/2fa/')).body)).toBe(secret);
    // Stored encrypted, never as the base32 text.
    const row = await t.db.selectFrom('users').select('totp_secret').where('username_key', '=', 'setup_user').executeTakeFirstOrThrow();
    expect(row.totp_secret).toMatch(/^v1\./);
    expect(row.totp_secret).not.toContain(secret);
    // The QR code encodes the URI an app reads: issuer, account and the same secret.
    const svg = Buffer.from(/src="data:image\/svg\+xml;base64,([^"]+)"/.exec(page.body)![1]!, 'base64').toString('utf8');
    expect(svg).toMatch(/^<svg/);
    const uri = URI.parse(new TOTP({ issuer: 'photovault', label: 'setup_user', secret: Secret.fromBase32(secret) }).toString()) as TOTP;
    expect(uri.secret.base32).toBe(secret);
  });

  it('a wrong code does not turn it on; the right one does and shows 10 recovery codes once, stored hashed', async () => {
    const client = freshClient(t);
    await client.signupAndLogin('confirm_user');
    const secret = shownSecret((await client.get('/accounts/2fa/')).body);
    const wrong = await client.submit('/accounts/2fa/', { code: '000000' === totpCode(secret) ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(400);
    expect(fieldErrors(wrong.body, 'code-errors')[0]).toMatch(/not valid/);
    const { recoveryCodes } = await enableTwoFactor(client);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    const user = await t.db.selectFrom('users').select(['id', 'totp_enabled_at']).where('username_key', '=', 'confirm_user').executeTakeFirstOrThrow();
    expect(user.totp_enabled_at).toBeGreaterThan(0);
    const stored = await t.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', user.id).execute();
    expect(stored).toHaveLength(10);
    for (const code of recoveryCodes) expect(stored.map((r) => r.code_hash).join()).not.toContain(code);
    const again = await client.get('/accounts/2fa/');
    expect(again.body).toContain('Two-factor login is on. You have 10 unused recovery codes.');
    for (const code of recoveryCodes) expect(again.body).not.toContain(code);
  });

  it('enabling ends the account’s other sessions and keeps this one', async () => {
    const client = freshClient(t);
    await client.signupAndLogin('other_sessions');
    const elsewhere = freshClient(t);
    await elsewhere.login('other_sessions');
    await enableTwoFactor(client);
    expect((await client.get('/photos/')).statusCode).toBe(200);
    expect((await elsewhere.get('/photos/')).statusCode).toBe(303);
  });

  it('login asks for a code on a second step; the first step creates no session and the pending state reaches no private page', async () => {
    fakeClock();
    const { secret } = await userWithTwoFactor(t, 'two_step');
    const client = freshClient(t);
    const first = await client.login('two_step', STRONG_PASSWORD, '/accounts/');
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/accounts/login/2fa/');
    expect([...client.cookies.keys()]).not.toContain('pv_session');
    for (const url of ['/photos/', '/accounts/', '/accounts/2fa/', '/api/v1/me']) {
      const res = await client.get(url);
      expect(res.statusCode, url).not.toBe(200);
    }
    const step = await client.get('/accounts/login/2fa/');
    expect(step.statusCode).toBe(200);
    expect(step.body).toMatch(/<form method="post" action="\/accounts\/login\/2fa\/">[\s\S]*name="_csrf"[\s\S]*name="code"/);
    const ok = await client.submit('/accounts/login/2fa/', { code: totpCode(secret, nextStep()) });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/accounts/');
    expect(client.cookies.has('pv_session')).toBe(true);
    expect(client.cookies.has('pv_2fa')).toBe(false);
    expect((await client.get('/photos/')).statusCode).toBe(200);
    // The challenge was used up: the form is gone.
    expect((await client.get('/accounts/login/2fa/')).headers.location).toBe('/accounts/login/');
  });

  it('a code is not accepted twice (replay), nor an older one after a newer', async () => {
    fakeClock();
    const { secret } = await userWithTwoFactor(t, 'replay_user');
    const at = nextStep();
    const first = freshClient(t);
    await first.login('replay_user');
    expect((await first.submit('/accounts/login/2fa/', { code: totpCode(secret, at) })).statusCode).toBe(303);
    const second = freshClient(t);
    await second.login('replay_user');
    const replay = await second.submit('/accounts/login/2fa/', { code: totpCode(secret, at) });
    expect(replay.statusCode).toBe(401);
    expect(second.cookies.has('pv_session')).toBe(false);
    const older = await second.submit('/accounts/login/2fa/', { code: totpCode(secret, at - STEP_MS) });
    expect(older.statusCode).toBe(401);
  });

  it('a recovery code works once', async () => {
    const { recoveryCodes } = await userWithTwoFactor(t, 'recovery_user');
    const code = recoveryCodes[0]!;
    const first = freshClient(t);
    await first.login('recovery_user');
    expect((await first.submit('/accounts/login/2fa/', { code: code.toUpperCase() })).statusCode).toBe(303);
    const second = freshClient(t);
    await second.login('recovery_user');
    expect((await second.submit('/accounts/login/2fa/', { code })).statusCode).toBe(401);
    const entries = await t.db.selectFrom('audit_log').select('event').where('target_name', '=', 'recovery_user').execute();
    expect(entries.map((e) => e.event)).toContain('recovery_code_used');
  });

  it('wrong codes are throttled: after the limit even the right code waits (429 + Retry-After)', async () => {
    fakeClock();
    const { secret } = await userWithTwoFactor(t, 'brute_user');
    const client = freshClient(t);
    await client.login('brute_user');
    const right = totpCode(secret, nextStep());
    const wrongCodes = ['000000', '111111', '222222', '333333', '444444', '555555'].filter((c) => c !== right);
    const statuses: number[] = [];
    for (const code of wrongCodes.slice(0, 5)) statuses.push((await client.submit('/accounts/login/2fa/', { code })).statusCode);
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses[4]).toBe(429);
    const locked = await client.submit('/accounts/login/2fa/', { code: right });
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(client.cookies.has('pv_session')).toBe(false);
    const events = await t.db.selectFrom('audit_log').select('event').where('target_name', '=', 'brute_user').execute();
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['two_factor_failed', 'two_factor_throttled']));
  });

  it('the second step refuses a missing or forged CSRF token, a missing or forged challenge, and malformed input', async () => {
    await userWithTwoFactor(t, 'hostile_step');
    const client = freshClient(t);
    await client.login('hostile_step');
    expect((await client.post('/accounts/login/2fa/', { code: '123456' })).statusCode).toBe(403);
    const token = extractCsrf((await client.get('/accounts/login/2fa/')).body)!;
    expect((await client.post('/accounts/login/2fa/', { code: '123456', _csrf: `${token}x` })).statusCode).toBe(403);
    const repeated = await client.request({ method: 'POST', url: '/accounts/login/2fa/', payload: `_csrf=${encodeURIComponent(token)}&code=1&code=2`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(repeated.statusCode).toBe(400);
    for (const code of ['', 'x'.repeat(5000), '<script>', '12345', '1234567', '１２３４５６']) {
      const res = await client.post('/accounts/login/2fa/', { _csrf: token, code });
      expect([401, 429]).toContain(res.statusCode);
      expect(res.body).not.toContain('<script>');
    }
    const stranger = freshClient(t);
    stranger.cookies.set('pv_2fa', 'A'.repeat(43));
    const strangerToken = await stranger.csrfFrom('/accounts/login/');
    const forged = await stranger.post('/accounts/login/2fa/', { _csrf: strangerToken, code: '123456' });
    expect(forged.statusCode).toBe(303);
    expect(forged.headers.location).toBe('/accounts/login/');
    expect((await stranger.get('/accounts/login/2fa/')).headers.location).toBe('/accounts/login/');
  });

  it('an expired challenge is refused', async () => {
    fakeClock();
    const { secret } = await userWithTwoFactor(t, 'slow_user');
    const client = freshClient(t);
    await client.login('slow_user');
    const token = extractCsrf((await client.get('/accounts/login/2fa/')).body)!;
    vi.setSystemTime(Date.now() + 6 * 60_000);
    const late = await client.post('/accounts/login/2fa/', { _csrf: token, code: totpCode(secret) });
    expect(late.statusCode).toBe(303);
    expect(late.headers.location).toBe('/accounts/login/');
    expect(client.cookies.has('pv_session')).toBe(false);
  });

  it('turning it off needs the password and a code; afterwards login is one step again', async () => {
    fakeClock();
    const { client, secret } = await userWithTwoFactor(t, 'disable_user');
    const wrongPassword = await client.submit('/accounts/2fa/', { password: 'not my password at all', code: totpCode(secret, nextStep()) }, '/accounts/2fa/disable/');
    expect(wrongPassword.statusCode).toBe(400);
    expect(fieldErrors(wrongPassword.body, 'disable-errors')).toEqual(['Your password was entered incorrectly.']);
    const noCode = await client.submit('/accounts/2fa/', { password: STRONG_PASSWORD, code: '' }, '/accounts/2fa/disable/');
    expect(noCode.statusCode).toBe(400);
    const ok = await client.submit('/accounts/2fa/', { password: STRONG_PASSWORD, code: totpCode(secret, nextStep()) }, '/accounts/2fa/disable/');
    expect(ok.statusCode).toBe(303);
    const row = await t.db.selectFrom('users').select(['totp_secret', 'totp_enabled_at', 'id']).where('username_key', '=', 'disable_user').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ totp_secret: '', totp_enabled_at: 0 });
    expect(await t.db.selectFrom('recovery_codes').select('code_hash').where('user_id', '=', row.id).execute()).toEqual([]);
    const again = freshClient(t);
    expect((await again.login('disable_user')).headers.location).toBe('/photos/');
  });

  it('the setup and disable forms refuse requests without a CSRF token', async () => {
    const { client } = await userWithTwoFactor(t, 'csrf_user');
    expect((await client.post('/accounts/2fa/disable/', { password: STRONG_PASSWORD, code: '123456' })).statusCode).toBe(403);
    const other = freshClient(t);
    await other.signupAndLogin('csrf_setup');
    expect((await other.post('/accounts/2fa/', { code: '123456' })).statusCode).toBe(403);
  });

  it('audits the enabling, the challenge and the login with its second factor', async () => {
    fakeClock();
    const { secret } = await userWithTwoFactor(t, 'audited_user');
    const client = freshClient(t);
    await client.login('audited_user');
    await client.submit('/accounts/login/2fa/', { code: totpCode(secret, nextStep()) });
    const entries = await t.db.selectFrom('audit_log').selectAll().where('target_name', '=', 'audited_user').orderBy('at').execute();
    const events = entries.map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['login_succeeded', 'two_factor_enabled', 'two_factor_challenged']));
    const last = entries.filter((e) => e.event === 'login_succeeded').at(-1)!;
    expect(last.detail).toBe('password and TOTP code');
    expect(last.ip).toBe(client.remoteAddress);
    expect(last.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

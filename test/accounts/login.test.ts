import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectProblem, fieldErrors, inputValue } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';

const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';
const THROTTLE_OFF = { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' };

let addressCounter = 0;
/** A client with an address of its own, so per-address throttling never couples two tests. */
function freshClient(t: TestApp, headers: Record<string, string> = {}): TestClient {
  const client = new TestClient(t.app, headers);
  addressCounter += 1;
  client.remoteAddress = `10.9.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
  return client;
}

function loginErrors(html: string): string[] {
  return fieldErrors(html, 'login-errors');
}

describe.each(DIALECTS)('login (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, THROTTLE_OFF);
    await new TestClient(t.app).signup('alice');
    await new TestClient(t.app).signup('Zoë_Ünicode');
  });
  afterAll(() => t.close());

  it('shows a form with username, password, next and a CSRF token', async () => {
    const res = await t.app.inject({ url: '/accounts/login/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<form method="post" action="\/accounts\/login\/">/);
    expect(res.body).toMatch(/<form[^>]*>[\s\S]*name="_csrf"[\s\S]*<\/form>/);
    for (const field of ['username', 'password', 'next']) expect(res.body).toContain(`name="${field}"`);
    expect(res.body).toMatch(/name="password" type="password"/);
  });

  it('signs in with the right password and redirects to /photos/', async () => {
    const client = freshClient(t);
    const res = await client.login('alice');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/photos/');
    const gallery = await client.get('/photos/');
    expect(gallery.statusCode).toBe(200);
    expect(gallery.body).toContain('alice');
  });

  it('matches the username case-insensitively and after NFKC normalisation', async () => {
    expect((await freshClient(t).login('ALICE')).statusCode).toBe(303);
    expect((await freshClient(t).login('  alice  ')).statusCode).toBe(303);
    expect((await freshClient(t).login('zoë_ünicode')).statusCode).toBe(303);
    expect((await freshClient(t).login('Zoe\u0308_U\u0308nicode')).statusCode).toBe(303);
  });

  it('does not trim or case-fold the password', async () => {
    expect((await freshClient(t).login('alice', ` ${STRONG_PASSWORD}`)).statusCode).toBe(401);
    expect((await freshClient(t).login('alice', `${STRONG_PASSWORD} `)).statusCode).toBe(401);
    expect((await freshClient(t).login('alice', STRONG_PASSWORD.toUpperCase())).statusCode).toBe(401);
  });

  it('a wrong password gets a 401 and the generic message; the username is kept, the password is not', async () => {
    const res = await freshClient(t).login('alice', 'not-the-password-at-all');
    expect(res.statusCode).toBe(401);
    expect(loginErrors(res.body)).toEqual([INVALID_LOGIN]);
    expect(inputValue(res.body, 'username')).toBe('alice');
    expect(inputValue(res.body, 'password')).toBeNull();
    expect(res.body).not.toContain('not-the-password-at-all');
  });

  it('an unknown user gets exactly the same status and message as a wrong password', async () => {
    const wrong = await freshClient(t).login('alice', 'not-the-password-at-all');
    const unknown = await freshClient(t).login('nobody-here', 'not-the-password-at-all');
    expect(unknown.statusCode).toBe(wrong.statusCode);
    expect(loginErrors(unknown.body)).toEqual(loginErrors(wrong.body));
    // Same page apart from the echoed username, the CSRF token and the request id.
    const normalise = (html: string) =>
      html
        .replace(/value="[^"]*"/g, 'value=""')
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID');
    expect(normalise(unknown.body)).toBe(normalise(wrong.body));
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(wrong.headers).sort());
  });

  it.each([
    ['an empty username', { username: '', password: STRONG_PASSWORD }],
    ['an empty password', { username: 'alice', password: '' }],
    ['both empty', { username: '', password: '' }],
    ['no fields at all', {}],
  ])('%s is refused with the same generic message', async (_label, form) => {
    const res = await freshClient(t).submit('/accounts/login/', form as Record<string, string>);
    expect(res.statusCode).toBe(401);
    expect(loginErrors(res.body)).toEqual([INVALID_LOGIN]);
  });

  it('API clients get a 401 problem document with the same message', async () => {
    const res = await freshClient(t).submit('/accounts/login/', { username: 'nobody', password: 'whatever-password' }, '/accounts/login/', {
      accept: 'application/json',
    });
    const problem = expectProblem(res, 401, 'unauthenticated');
    expect(problem.detail).toBe(INVALID_LOGIN);
  });

  it('an over-long password is refused cleanly', async () => {
    const res = await freshClient(t).login('alice', 'x'.repeat(5000));
    expect(res.statusCode).toBe(401);
  });

  it('the stored hash is argon2id with at least m=19456, t=2, p=1', async () => {
    const row = await t.db.selectFrom('users').select('password_hash').where('username_key', '=', 'alice').executeTakeFirstOrThrow();
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(row.password_hash);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThanOrEqual(19456);
    expect(Number(match![2])).toBeGreaterThanOrEqual(2);
    expect(Number(match![3])).toBeGreaterThanOrEqual(1);
    expect(row.password_hash).not.toContain(STRONG_PASSWORD);
  });

  it('rehashes on login when the stored parameters are weaker than the configured ones', async () => {
    await new TestClient(t.app).signup('legacy');
    const weak = await hash(STRONG_PASSWORD, { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    await t.db.updateTable('users').set({ password_hash: weak }).where('username_key', '=', 'legacy').execute();

    expect((await freshClient(t).login('legacy')).statusCode).toBe(303);
    const row = await t.db.selectFrom('users').select('password_hash').where('username_key', '=', 'legacy').executeTakeFirstOrThrow();
    expect(row.password_hash).not.toBe(weak);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    // And the new hash still verifies.
    expect((await freshClient(t).login('legacy')).statusCode).toBe(303);
  });

  it('a stored hash that is corrupt never lets anyone in and never errors', async () => {
    await new TestClient(t.app).signup('corrupt');
    await t.db.updateTable('users').set({ password_hash: 'not-a-phc-string' }).where('username_key', '=', 'corrupt').execute();
    const res = await freshClient(t).login('corrupt');
    expect(res.statusCode).toBe(401);
    expect(loginErrors(res.body)).toEqual([INVALID_LOGIN]);
  });
});

describe.each(DIALECTS)('login throttling (%s)', (dialect) => {
  let t: TestApp;
  const LOCKOUT = 30;

  beforeAll(async () => {
    t = await createTestApp(dialect, {
      LOGIN_ACCOUNT_MAX_FAILURES: '3',
      LOGIN_ADDRESS_MAX_FAILURES: '6',
      LOGIN_LOCKOUT_SECONDS: String(LOCKOUT),
      LOGIN_MAX_LOCKOUT_SECONDS: '600',
    });
    for (const name of ['victim', 'victim2', 'victim3', 'victim4', 'spray1', 'spray2', 'spray3', 'spray4']) {
      const client = freshClient(t);
      const res = await client.signup(name);
      expect(res.statusCode).toBe(303);
    }
  });
  afterAll(() => t.close());

  async function fail(client: TestClient, username: string, times: number) {
    for (let i = 0; i < times; i++) await client.login(username, `wrong-password-${i}-xyz`);
  }

  it('locks an account after the limit; even the right password then gets "try again in N seconds" and 429', async () => {
    const attacker = freshClient(t);
    await fail(attacker, 'victim', 2);
    const third = await attacker.login('victim', 'wrong-password-3-xyz');
    expect(third.statusCode).toBe(401);

    const owner = freshClient(t);
    const res = await owner.login('victim');
    expect(res.statusCode).toBe(429);
    const seconds = Number(res.headers['retry-after']);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(LOCKOUT);
    expect(loginErrors(res.body).join(' ')).toMatch(new RegExp(`Try again in ${seconds} seconds\\.`));
    expect(res.headers['set-cookie'] ?? '').not.toMatch(/pv_session=/);
    expect(owner.cookies.has('pv_session')).toBe(false);
  });

  it('API clients get a 429 problem document with Retry-After', async () => {
    const client = freshClient(t, { accept: 'application/json' });
    const res = await client.submit('/accounts/login/', { username: 'victim', password: STRONG_PASSWORD }, '/accounts/login/', { accept: 'application/json' });
    const problem = expectProblem(res, 429, 'too_many_requests');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(String(problem.detail)).toMatch(/Try again in \d+ seconds/);
  });

  it('when the lockout ends the right password works again, and success resets the account count', async () => {
    const attacker = freshClient(t);
    await fail(attacker, 'victim2', 3);
    expect((await freshClient(t).login('victim2')).statusCode).toBe(429);

    await t.db.updateTable('login_throttle').set({ locked_until: Date.now() - 1000 }).where('key', '=', 'account:victim2').execute();
    expect((await freshClient(t).login('victim2')).statusCode).toBe(303);
    const row = await t.db.selectFrom('login_throttle').selectAll().where('key', '=', 'account:victim2').executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('failures after a lockout double the next lockout (exponential)', async () => {
    const attacker = freshClient(t);
    await fail(attacker, 'victim3', 3);
    const first = await t.db.selectFrom('login_throttle').selectAll().where('key', '=', 'account:victim3').executeTakeFirstOrThrow();
    expect(first.locked_until - Date.now()).toBeLessThanOrEqual(LOCKOUT * 1000);

    await t.db.updateTable('login_throttle').set({ locked_until: Date.now() - 1000 }).where('key', '=', 'account:victim3').execute();
    await fail(freshClient(t), 'victim3', 1);
    const res = await freshClient(t).login('victim3');
    expect(res.statusCode).toBe(429);
    const seconds = Number(res.headers['retry-after']);
    expect(seconds).toBeGreaterThan(LOCKOUT);
    expect(seconds).toBeLessThanOrEqual(2 * LOCKOUT);
  });

  it('unknown usernames are locked exactly like real ones (no enumeration through lockouts)', async () => {
    const attacker = freshClient(t);
    const realRes: number[] = [];
    const ghostRes: number[] = [];
    for (let i = 0; i < 4; i++) realRes.push((await attacker.login('victim4', `nope-${i}-password`)).statusCode);
    const attacker2 = freshClient(t);
    for (let i = 0; i < 4; i++) ghostRes.push((await attacker2.login('ghost-account', `nope-${i}-password`)).statusCode);
    expect(realRes).toEqual([401, 401, 401, 429]);
    expect(ghostRes).toEqual(realRes);
  });

  it('locks a client address that sprays many accounts, without locking those accounts for others', async () => {
    const sprayer = freshClient(t);
    const statuses: number[] = [];
    // Two failures per account stay under the account limit (3); six in all reach the address limit.
    for (const name of ['spray1', 'spray2', 'spray3']) {
      statuses.push((await sprayer.login(name, 'bad-guess-password-1')).statusCode);
      statuses.push((await sprayer.login(name, 'bad-guess-password-2')).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    // The address is now locked, even for a correct password of an untouched account.
    const fromSprayer = await sprayer.login('spray4');
    expect(fromSprayer.statusCode).toBe(429);
    expect(loginErrors(fromSprayer.body).join(' ')).toMatch(/Try again in \d+ seconds\./);
    // The same account from another address is fine.
    expect((await freshClient(t).login('spray4')).statusCode).toBe(303);
    expect((await freshClient(t).login('spray1')).statusCode).toBe(303);
  });

  it('the lockout does not reveal the password was right', async () => {
    const attacker = freshClient(t);
    // victim is locked (first test); right and wrong guesses get identical answers.
    const right = await attacker.login('victim', STRONG_PASSWORD);
    const wrong = await freshClient(t).login('victim', 'wrong-guess-password');
    expect(right.statusCode).toBe(429);
    expect(wrong.statusCode).toBe(429);
    const withoutNumbers = (html: string) => loginErrors(html).map((m) => m.replace(/\d+/g, 'N'));
    expect(withoutNumbers(right.body)).toEqual(withoutNumbers(wrong.body));
    expect(right.headers['set-cookie'] ?? '').not.toMatch(/pv_session=/);
  });
});

describe.each(DIALECTS)('no user enumeration through timing (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, THROTTLE_OFF);
    await new TestClient(t.app).signup('timed');
  });
  afterAll(() => t.close());

  it('an unknown user costs an argon2 verification, like a wrong password', async () => {
    const client = freshClient(t);
    const token = await client.csrfFrom('/accounts/login/');
    const attempt = async (username: string) => {
      const started = process.hrtime.bigint();
      const res = await client.post('/accounts/login/', { _csrf: token, username, password: 'definitely-wrong-password' });
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      expect(res.statusCode).toBe(401);
      return elapsed;
    };
    // Warm up both paths (the dummy hash is made on first use).
    await attempt('timed');
    await attempt('no-such-user');

    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i++) {
      known.push(await attempt('timed'));
      unknown.push(await attempt(`no-such-user-${i}`));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const ratio = median(unknown) / median(known);
    expect(ratio, `unknown ${median(unknown).toFixed(1)} ms vs known ${median(known).toFixed(1)} ms`).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
    // And both are in argon2 territory, not a quick "no such row".
    expect(median(unknown)).toBeGreaterThan(5);
  });
});

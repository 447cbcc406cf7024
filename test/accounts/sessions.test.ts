import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { cookieAttributes, setCookieLine } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { TestClient } from '../support/client.js';

const IDLE_SECONDS = 600;
const ABSOLUTE_SECONDS = 3600;
const THROTTLE_OFF = { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' };

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Moves every session `seconds` into the past, as if that much time had gone by without a request. */
async function timePasses(db: Db, seconds: number): Promise<void> {
  const ms = seconds * 1000;
  await db
    .updateTable('sessions')
    .set({
      created_at: sql<number>`created_at - ${ms}`,
      last_seen_at: sql<number>`last_seen_at - ${ms}`,
      expires_at: sql<number>`expires_at - ${ms}`,
    })
    .execute();
}

async function sessionRows(db: Db) {
  return db.selectFrom('sessions').selectAll().execute();
}

async function isSignedIn(client: TestClient): Promise<boolean> {
  const res = await client.get('/photos/');
  if (res.statusCode === 200) return true;
  expect(res.statusCode).toBe(303);
  expect(res.headers.location).toBe('/accounts/login/?next=%2Fphotos%2F');
  return false;
}

async function logout(client: TestClient, path = '/accounts/logout/') {
  const token = await client.csrfFrom('/');
  return client.post(path, { _csrf: token });
}

describe.each(DIALECTS)('server-side sessions (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, {
      ...THROTTLE_OFF,
      SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_SECONDS),
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: String(ABSOLUTE_SECONDS),
    });
    for (const name of ['alice', 'bob', 'mallory']) await new TestClient(t.app).signup(name);
  });
  afterAll(() => t.close());

  describe('the cookie', () => {
    it('is HttpOnly, SameSite=Lax, Path=/, host-only, and not Secure over plain HTTP', async () => {
      const res = await new TestClient(t.app).login('alice');
      expect(res.statusCode).toBe(303);
      const line = setCookieLine(res, 'pv_session');
      expect(line).toBeDefined();
      const attributes = cookieAttributes(line!);
      expect(attributes.has('httponly')).toBe(true);
      expect(attributes.get('samesite')?.toLowerCase()).toBe('lax');
      expect(attributes.get('path')).toBe('/');
      expect(attributes.has('domain')).toBe(false);
      expect(attributes.has('secure')).toBe(false);
      expect(Number(attributes.get('max-age'))).toBe(ABSOLUTE_SECONDS);
      expect(setCookieLine(res, '__Host-pv_session')).toBeUndefined();
    });

    it('holds at least 128 random bits, different at every login', async () => {
      const tokens = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const client = new TestClient(t.app);
        await client.login('alice');
        const token = client.cookies.get('pv_session')!;
        expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(Buffer.from(token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
        tokens.add(token);
      }
      expect(tokens.size).toBe(3);
    });

    it('is stored only as its SHA-256: the database never holds the cookie value', async () => {
      const client = new TestClient(t.app);
      await client.login('bob');
      const token = client.cookies.get('pv_session')!;
      const rows = await sessionRows(t.db);
      expect(rows.some((row) => row.id_hash === sha256(token))).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(token);
      for (const row of rows) expect(row.id_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it.each([
      ['a random value of the right shape', () => randomBytes(32).toString('base64url')],
      ['an empty value', () => ''],
      ['a huge value', () => 'A'.repeat(4000)],
      ['SQL', () => encodeURIComponent("' OR '1'='1")],
      ['the SHA-256 of a live session (what a leaked table would give)', () => 'HASH'],
    ])('does not sign in with %s', async (_label, make) => {
      const owner = new TestClient(t.app);
      await owner.login('alice');
      let value = make();
      if (value === 'HASH') value = sha256(owner.cookies.get('pv_session')!);
      const forger = new TestClient(t.app);
      forger.cookies.set('pv_session', value);
      const res = await forger.get('/photos/');
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/accounts/login/?next=%2Fphotos%2F');
    });
  });

  describe('fixation', () => {
    it('a session id planted before login is not adopted', async () => {
      const planted = randomBytes(32).toString('base64url');
      const victim = new TestClient(t.app);
      victim.cookies.set('pv_session', planted);
      const res = await victim.login('alice');
      expect(res.statusCode).toBe(303);
      const issued = victim.cookies.get('pv_session');
      expect(issued).toBeDefined();
      expect(issued).not.toBe(planted);
      expect(await sessionRows(t.db)).not.toContainEqual(expect.objectContaining({ id_hash: sha256(planted) }));

      const attacker = new TestClient(t.app);
      attacker.cookies.set('pv_session', planted);
      expect(await isSignedIn(attacker)).toBe(false);
      expect(await isSignedIn(victim)).toBe(true);
    });

    it("an attacker's own live session planted in a victim's browser is replaced and ended at login", async () => {
      const attacker = new TestClient(t.app);
      await attacker.login('mallory');
      const attackerToken = attacker.cookies.get('pv_session')!;

      const victim = new TestClient(t.app);
      victim.cookies.set('pv_session', attackerToken);
      await victim.login('alice');
      expect(victim.cookies.get('pv_session')).not.toBe(attackerToken);

      // The attacker's copy neither became alice's session nor stays alive.
      expect(await isSignedIn(attacker)).toBe(false);
      const gallery = await victim.get('/accounts/');
      expect(gallery.statusCode).toBe(200);
      expect(gallery.body).toContain('alice');
      expect(gallery.body).not.toContain('mallory');
    });

    it('logging in again while signed in rotates the id and ends the old one', async () => {
      const client = new TestClient(t.app);
      await client.login('alice');
      const before = client.cookies.get('pv_session')!;
      await client.login('alice');
      const after = client.cookies.get('pv_session')!;
      expect(after).not.toBe(before);

      const replay = new TestClient(t.app);
      replay.cookies.set('pv_session', before);
      expect(await isSignedIn(replay)).toBe(false);
      expect(await isSignedIn(client)).toBe(true);
    });
  });

  describe('logout', () => {
    it('ends the session, clears the cookie, and the old cookie replayed afterwards is refused', async () => {
      const client = new TestClient(t.app);
      await client.login('bob');
      const token = client.cookies.get('pv_session')!;
      expect(await isSignedIn(client)).toBe(true);

      const res = await logout(client);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/accounts/login/');
      const cleared = setCookieLine(res, 'pv_session');
      expect(cleared).toBeDefined();
      const attributes = cookieAttributes(cleared!);
      const expiresAt = attributes.has('expires') ? Date.parse(attributes.get('expires')!) : Number.NaN;
      expect(attributes.get('max-age') === '0' || expiresAt < Date.now()).toBe(true);
      expect(await isSignedIn(client)).toBe(false);

      const rows = await sessionRows(t.db);
      expect(rows.some((row) => row.id_hash === sha256(token))).toBe(false);

      const replay = new TestClient(t.app);
      replay.cookies.set('pv_session', token);
      expect(await isSignedIn(replay)).toBe(false);
      expect((await replay.get('/accounts/')).statusCode).toBe(303);
    });

    it('is POST only: a GET cannot log anyone out', async () => {
      const client = new TestClient(t.app);
      await client.login('bob');
      const res = await client.get('/accounts/logout/');
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(await isSignedIn(client)).toBe(true);
    });

    it('only ends its own session', async () => {
      const laptop = new TestClient(t.app);
      const phone = new TestClient(t.app);
      await laptop.login('bob');
      await phone.login('bob');
      await logout(laptop);
      expect(await isSignedIn(laptop)).toBe(false);
      expect(await isSignedIn(phone)).toBe(true);
    });

    it('"log out everywhere" ends every session of the user and no one else\'s', async () => {
      const laptop = new TestClient(t.app);
      const phone = new TestClient(t.app);
      const tablet = new TestClient(t.app);
      const other = new TestClient(t.app);
      await laptop.login('mallory');
      await phone.login('mallory');
      await tablet.login('mallory');
      await other.login('alice');
      const phoneToken = phone.cookies.get('pv_session')!;

      const token = await laptop.csrfFrom('/accounts/');
      const res = await laptop.post('/accounts/logout-everywhere/', { _csrf: token });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/accounts/login/');

      expect(await isSignedIn(laptop)).toBe(false);
      expect(await isSignedIn(phone)).toBe(false);
      expect(await isSignedIn(tablet)).toBe(false);
      expect(await isSignedIn(other)).toBe(true);

      const replay = new TestClient(t.app);
      replay.cookies.set('pv_session', phoneToken);
      expect(await isSignedIn(replay)).toBe(false);
    });

    it('"log out everywhere" needs a signed-in user and a CSRF token', async () => {
      const anonymous = new TestClient(t.app);
      const token = await anonymous.csrfFrom('/accounts/login/');
      const res = await anonymous.post('/accounts/logout-everywhere/', { _csrf: token });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toMatch(/^\/accounts\/login\//);

      const victim = new TestClient(t.app);
      await victim.login('alice');
      const forged = await victim.post('/accounts/logout-everywhere/', { _csrf: 'forged' });
      expect(forged.statusCode).toBe(403);
      expect(await isSignedIn(victim)).toBe(true);
    });
  });

  describe('timeouts', () => {
    it('a session idle for longer than the idle timeout is refused and deleted', async () => {
      const client = new TestClient(t.app);
      await client.login('alice');
      const hash = sha256(client.cookies.get('pv_session')!);
      await timePasses(t.db, IDLE_SECONDS + 1);
      expect(await isSignedIn(client)).toBe(false);
      expect((await sessionRows(t.db)).some((row) => row.id_hash === hash)).toBe(false);
    });

    it('activity keeps a session alive past the idle timeout (sliding window)', async () => {
      const client = new TestClient(t.app);
      await client.login('alice');
      for (let i = 0; i < 3; i++) {
        await timePasses(t.db, IDLE_SECONDS - 30);
        expect(await isSignedIn(client)).toBe(true);
      }
    });

    it('the absolute timeout ends even an active session', async () => {
      const client = new TestClient(t.app);
      await client.login('bob');
      const hash = sha256(client.cookies.get('pv_session')!);
      // Active all along (last seen just now) but created longer ago than the absolute timeout.
      const now = Date.now();
      await t.db
        .updateTable('sessions')
        .set({ created_at: now - (ABSOLUTE_SECONDS + 1) * 1000, expires_at: now - 1000, last_seen_at: now })
        .where('id_hash', '=', hash)
        .execute();
      expect(await isSignedIn(client)).toBe(false);
      expect((await sessionRows(t.db)).some((row) => row.id_hash === hash)).toBe(false);
    });

    it('a session just inside both timeouts still works', async () => {
      const client = new TestClient(t.app);
      await client.login('bob');
      await timePasses(t.db, IDLE_SECONDS - 5);
      expect(await isSignedIn(client)).toBe(true);
    });
  });
});

describe.each(DIALECTS)('the minimum idle timeout, 60 s (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect, { ...THROTTLE_OFF, SESSION_IDLE_TIMEOUT_SECONDS: '60', SESSION_ABSOLUTE_TIMEOUT_SECONDS: '3600' });
    await new TestClient(t.app).signup('carol');
  });
  afterAll(() => t.close());

  it('a user active every 40 s stays signed in', async () => {
    const client = new TestClient(t.app);
    await client.login('carol');
    for (let i = 0; i < 4; i++) {
      await timePasses(t.db, 40);
      expect(await isSignedIn(client)).toBe(true);
    }
  });

  it('a user idle for 61 s is signed out', async () => {
    const client = new TestClient(t.app);
    await client.login('carol');
    await timePasses(t.db, 61);
    expect(await isSignedIn(client)).toBe(false);
  });
});

describe.each(DIALECTS)('sessions over HTTPS (%s)', (dialect) => {
  const HTTPS = { host: 'photos.example', 'x-forwarded-proto': 'https', origin: 'https://photos.example' };
  let trusted: TestApp;
  let untrusted: TestApp;

  beforeAll(async () => {
    [trusted, untrusted] = await Promise.all([
      createTestApp(dialect, { ...THROTTLE_OFF, TRUST_PROXY: 'true' }),
      createTestApp(dialect, { ...THROTTLE_OFF, TRUST_PROXY: 'false' }),
    ]);
    await new TestClient(trusted.app, HTTPS).signup('dave');
    await new TestClient(untrusted.app).signup('dave');
  });
  afterAll(() => Promise.all([trusted.close(), untrusted.close()]));

  it('behind a trusted proxy, the cookie is __Host-pv_session, Secure, Path=/, no Domain', async () => {
    const client = new TestClient(trusted.app, HTTPS);
    const res = await client.login('dave');
    expect(res.statusCode).toBe(303);
    expect(setCookieLine(res, 'pv_session')).toBeUndefined();
    const line = setCookieLine(res, '__Host-pv_session');
    expect(line).toBeDefined();
    const attributes = cookieAttributes(line!);
    expect(attributes.has('secure')).toBe(true);
    expect(attributes.has('httponly')).toBe(true);
    expect(attributes.get('samesite')?.toLowerCase()).toBe('lax');
    expect(attributes.get('path')).toBe('/');
    expect(attributes.has('domain')).toBe(false);
    expect(await isSignedIn(client)).toBe(true);
  });

  it('the CSRF cookie is Secure and HttpOnly over HTTPS too', async () => {
    const res = await trusted.app.inject({ url: '/accounts/login/', headers: HTTPS });
    const line = setCookieLine(res, 'pv_csrf');
    expect(line).toBeDefined();
    const attributes = cookieAttributes(line!);
    expect(attributes.has('secure')).toBe(true);
    expect(attributes.has('httponly')).toBe(true);
  });

  it('logout over HTTPS clears the __Host- cookie', async () => {
    const client = new TestClient(trusted.app, HTTPS);
    await client.login('dave');
    const res = await logout(client);
    expect(res.statusCode).toBe(303);
    expect(setCookieLine(res, '__Host-pv_session')).toBeDefined();
    expect(await isSignedIn(client)).toBe(false);
  });

  it('a spoofed X-Forwarded-Proto from an untrusted client is ignored: plain cookie, no Secure', async () => {
    const client = new TestClient(untrusted.app, { 'x-forwarded-proto': 'https' });
    const res = await client.login('dave');
    expect(res.statusCode).toBe(303);
    expect(setCookieLine(res, '__Host-pv_session')).toBeUndefined();
    const line = setCookieLine(res, 'pv_session');
    expect(line).toBeDefined();
    expect(cookieAttributes(line!).has('secure')).toBe(false);
  });

  it('a cookie issued over plain HTTP does not count as the __Host- session over HTTPS', async () => {
    const plain = new TestClient(trusted.app);
    await plain.signupAndLogin('erin');
    const token = plain.cookies.get('pv_session');
    expect(token).toBeDefined();
    const res = await trusted.app.inject({ url: '/photos/', headers: { ...HTTPS, cookie: `pv_session=${token}` } });
    expect(res.statusCode).toBe(303);
  });
});

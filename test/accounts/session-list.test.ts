import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeUserAgent } from '../../src/accounts/sessions/session-names.js';
import { sessionRef } from '../../src/accounts/sessions/session-ref.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';

const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1';
const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36';
const THROTTLE_OFF = { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' };

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const refOf = (client: TestClient) => sessionRef(sha256(client.cookies.get('pv_session')!));

async function signedIn(client: TestClient): Promise<boolean> {
  return (await client.get('/photos/')).statusCode === 200;
}

describe('naming a session from its user agent', () => {
  it.each([
    [FIREFOX_WINDOWS, 'Firefox 121', 'Windows 10'],
    [SAFARI_IPHONE, 'Safari 17', 'iOS 17'],
    [CHROME_ANDROID, 'Chrome 120', 'Android 14'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15', 'Safari 17', 'macOS Catalina'],
    ['', 'Unknown browser', 'Unknown system'],
    ['   ', 'Unknown browser', 'Unknown system'],
    ['curl/8.5.0', 'Unknown browser', 'Unknown system'],
    ['<script>alert(1)</script>', 'Unknown browser', 'Unknown system'],
  ])('%j is %s on %s', (userAgent, browser, system) => {
    expect(describeUserAgent(userAgent)).toEqual({ browser, system });
  });
});

describe.each(DIALECTS)('sessions on the account page (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, THROTTLE_OFF);
    for (const name of ['alice', 'bob', 'carol', 'dave']) await new TestClient(t.app).signup(name);
  });
  afterAll(() => t.close());

  async function loginAs(name: string, userAgent: string): Promise<TestClient> {
    const client = new TestClient(t.app, { 'user-agent': userAgent });
    await client.login(name);
    return client;
  }

  it('names each browser and system (never the raw user agent), with times, and marks this session', async () => {
    const laptop = await loginAs('alice', FIREFOX_WINDOWS);
    await loginAs('alice', SAFARI_IPHONE);
    const page = await laptop.get('/accounts/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('max-age=0, no-cache, no-store, must-revalidate, private');
    expect(page.body).toContain('Firefox 121');
    expect(page.body).toContain('Windows 10');
    expect(page.body).toContain('Safari 17');
    expect(page.body).toContain('iOS 17');
    expect(page.body).not.toContain('Mozilla/5.0');
    expect(page.body.match(/\(this session\)/g)).toHaveLength(1);
    expect(page.body).toMatch(/Firefox 121<strong> \(this session\)<\/strong>/);
    expect(page.body).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(page.body).toContain(`action="/accounts/sessions/${refOf(laptop)}/end/"`);
    expect(page.body).toContain('action="/accounts/sessions/end-others/"');
  });

  it('ends another of your sessions; it is signed out and the page no longer lists it', async () => {
    const laptop = await loginAs('bob', FIREFOX_WINDOWS);
    const phone = await loginAs('bob', SAFARI_IPHONE);
    const res = await laptop.submit('/accounts/', {}, `/accounts/sessions/${refOf(phone)}/end/`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/accounts/');
    expect(await signedIn(phone)).toBe(false);
    expect(await signedIn(laptop)).toBe(true);
    expect((await laptop.get('/accounts/')).body).not.toContain('Safari 17');
  });

  it('ending this session logs it out', async () => {
    const laptop = await loginAs('bob', FIREFOX_WINDOWS);
    const res = await laptop.submit('/accounts/', {}, `/accounts/sessions/${refOf(laptop)}/end/`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/accounts/login/');
    expect(laptop.cookies.has('pv_session')).toBe(false);
    expect(await signedIn(laptop)).toBe(false);
  });

  it("another user's session id is a 404 and that session stays alive; so is an unknown or malformed id", async () => {
    const mallory = await loginAs('carol', FIREFOX_WINDOWS);
    const victim = await loginAs('dave', SAFARI_IPHONE);
    const token = await mallory.csrfFrom('/accounts/');
    for (const id of [refOf(victim), 'A'.repeat(22), 'short', sha256(victim.cookies.get('pv_session')!), '..%2F..%2F']) {
      const res = await mallory.post(`/accounts/sessions/${id}/end/`, { _csrf: token });
      expect(res.statusCode, id).toBe(404);
    }
    expect(await signedIn(victim)).toBe(true);
  });

  it('needs a CSRF token and a signed-in user', async () => {
    const laptop = await loginAs('carol', FIREFOX_WINDOWS);
    const phone = await loginAs('carol', SAFARI_IPHONE);
    expect((await laptop.post(`/accounts/sessions/${refOf(phone)}/end/`, {})).statusCode).toBe(403);
    expect((await laptop.post('/accounts/sessions/end-others/', { _csrf: 'forged' })).statusCode).toBe(403);
    const anonymous = new TestClient(t.app);
    const res = await anonymous.post(`/accounts/sessions/${refOf(phone)}/end/`, { _csrf: await anonymous.csrfFrom('/accounts/login/') });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/accounts\/login\//);
    expect(await signedIn(phone)).toBe(true);
  });

  it('"log out everywhere else" ends every other session of yours, keeps this one, and no one else\'s', async () => {
    const laptop = await loginAs('dave', FIREFOX_WINDOWS);
    const phone = await loginAs('dave', SAFARI_IPHONE);
    const tablet = await loginAs('dave', CHROME_ANDROID);
    const other = await loginAs('alice', CHROME_ANDROID);
    const res = await laptop.submit('/accounts/', {}, '/accounts/sessions/end-others/');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/accounts/');
    expect(await signedIn(laptop)).toBe(true);
    expect(await signedIn(phone)).toBe(false);
    expect(await signedIn(tablet)).toBe(false);
    expect(await signedIn(other)).toBe(true);
  });

  it('last seen is written at most once a minute', async () => {
    const laptop = await loginAs('alice', FIREFOX_WINDOWS);
    const hash = sha256(laptop.cookies.get('pv_session')!);
    const lastSeen = async () => Number((await t.db.selectFrom('sessions').select('last_seen_at').where('id_hash', '=', hash).executeTakeFirstOrThrow()).last_seen_at);
    const first = await lastSeen();
    await laptop.get('/accounts/');
    await laptop.get('/accounts/');
    expect(await lastSeen()).toBe(first);
    await t.db.updateTable('sessions').set({ last_seen_at: sql<number>`last_seen_at - 61000` }).where('id_hash', '=', hash).execute();
    await laptop.get('/accounts/');
    expect(await lastSeen()).toBeGreaterThanOrEqual(first);
    const touched = await lastSeen();
    await laptop.get('/accounts/');
    expect(await lastSeen()).toBe(touched);
  });
});

import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectNoLeak, expectProblem } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { extractCsrf, STRONG_PASSWORD, TestClient } from '../support/client.js';

const HOST = 'photos.example';
const REFUSAL = 'This form has expired or did not come from this site.';

function expectRefusalPage(res: LightMyRequestResponse): void {
  expect(res.statusCode).toBe(403);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.body).toContain('Request refused');
  expect(res.body).toContain(REFUSAL);
  expect(res.body).toContain(String(res.headers['x-request-id']));
  expect(res.headers['x-frame-options']).toBe('DENY');
  expect(res.headers['set-cookie'] ?? '').not.toMatch(/pv_session=[^;]/);
  expectNoLeak(res);
}

describe.each(DIALECTS)('CSRF protection (%s)', (dialect) => {
  let t: TestApp;
  const client = (headers: Record<string, string> = {}) => new TestClient(t.app, { host: HOST, ...headers });

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
    await client().signup('alice');
    await client().signup('bob');
  });
  afterAll(() => t.close());

  async function signedIn(name: string, headers: Record<string, string> = {}) {
    const c = client(headers);
    const res = await c.login(name);
    expect(res.statusCode).toBe(303);
    return c;
  }

  async function stillSignedIn(c: TestClient) {
    return (await c.get('/photos/')).statusCode === 200;
  }

  describe('the token', () => {
    it('is in a hidden input inside every form of a page', async () => {
      const c = await signedIn('alice');
      for (const url of ['/', '/photos/', '/accounts/', '/accounts/login/', '/accounts/signup/']) {
        const html = (await c.get(url)).body;
        const forms = (html.match(/<form\b[\s\S]*?<\/form>/g) ?? []).filter((form) => /method="post"/i.test(form));
        expect(forms.length, url).toBeGreaterThan(0);
        for (const form of forms) {
          expect(form, `${url}: ${form.slice(0, 80)}`).toMatch(/<input type="hidden" name="_csrf" value="[^"]+"/);
        }
      }
    });

    it('a valid token is accepted (control)', async () => {
      const c = await signedIn('alice');
      const token = await c.csrfFrom('/photos/');
      const res = await c.post('/accounts/logout/', { _csrf: token });
      expect(res.statusCode).toBe(303);
      expect(await stillSignedIn(c)).toBe(false);
    });

    it('missing: 403 with a clear page, and the action does not happen', async () => {
      const c = await signedIn('alice');
      const res = await c.post('/accounts/logout/', {});
      expectRefusalPage(res);
      expect(await stillSignedIn(c)).toBe(true);
    });

    it('empty: refused', async () => {
      const c = await signedIn('alice');
      expectRefusalPage(await c.post('/accounts/logout/', { _csrf: '' }));
      expect(await stillSignedIn(c)).toBe(true);
    });

    it.each([
      ['a random string', () => 'forged-token'],
      ['a plausible-looking value', () => 'aaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'],
      ['a huge value', () => 'A'.repeat(5000)],
      ['SQL', () => "' OR '1'='1"],
    ])('forged (%s): refused', async (_label, make) => {
      const c = await signedIn('alice');
      expectRefusalPage(await c.post('/accounts/logout/', { _csrf: make() }));
      expect(await stillSignedIn(c)).toBe(true);
    });

    it('a real token with one character changed: refused', async () => {
      const c = await signedIn('alice');
      const token = await c.csrfFrom('/photos/');
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      expectRefusalPage(await c.post('/accounts/logout/', { _csrf: token.slice(0, -1) + last }));
      expect(await stillSignedIn(c)).toBe(true);
    });

    it("another signed-in user's token: refused", async () => {
      const alice = await signedIn('alice');
      const bob = await signedIn('bob');
      const bobsToken = await bob.csrfFrom('/photos/');
      expectRefusalPage(await alice.post('/accounts/logout/', { _csrf: bobsToken }));
      expect(await stillSignedIn(alice)).toBe(true);
    });

    it("another session of the same user: its token is refused", async () => {
      const laptop = await signedIn('alice');
      const phone = await signedIn('alice');
      const phoneToken = await phone.csrfFrom('/photos/');
      expectRefusalPage(await laptop.post('/accounts/logout/', { _csrf: phoneToken }));
      expect(await stillSignedIn(laptop)).toBe(true);
    });

    it("another browser's anonymous token (with its own cookie jar): refused", async () => {
      const attacker = client();
      const attackerToken = await attacker.csrfFrom('/accounts/login/');
      const victim = client();
      await victim.get('/accounts/login/'); // the victim has a CSRF cookie of their own
      const res = await victim.post('/accounts/login/', { _csrf: attackerToken, username: 'alice', password: STRONG_PASSWORD });
      expectRefusalPage(res);
      expect(victim.cookies.has('pv_session')).toBe(false);
    });

    it('a token without its cookie: refused', async () => {
      const page = await t.app.inject({ url: '/accounts/login/', headers: { host: HOST } });
      const token = extractCsrf(page.body)!;
      const res = await t.app.inject({
        method: 'POST',
        url: '/accounts/login/',
        headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: token, username: 'alice', password: STRONG_PASSWORD }).toString(),
      });
      expectRefusalPage(res);
    });

    it('a forged or unsigned CSRF cookie: refused', async () => {
      const c = client();
      const token = await c.csrfFrom('/accounts/login/');
      const signed = c.cookies.get('pv_csrf')!;
      for (const forged of [signed.split('.')[0]!, `${signed.split('.')[0]}.AAAA`, 'garbage']) {
        c.cookies.set('pv_csrf', forged);
        expectRefusalPage(await c.post('/accounts/login/', { _csrf: token, username: 'alice', password: STRONG_PASSWORD }));
      }
    });

    it('a token from before login is refused after login (bound to the session)', async () => {
      const c = client();
      const before = await c.csrfFrom('/accounts/login/');
      const login = await c.post('/accounts/login/', { _csrf: before, username: 'alice', password: STRONG_PASSWORD, next: '' });
      expect(login.statusCode).toBe(303);
      expectRefusalPage(await c.post('/accounts/logout/', { _csrf: before }));
      expect(await stillSignedIn(c)).toBe(true);
      const after = await c.csrfFrom('/photos/');
      expect((await c.post('/accounts/logout/', { _csrf: after })).statusCode).toBe(303);
    });

    it('a token from a session that has ended is refused', async () => {
      const c = await signedIn('alice');
      const old = await c.csrfFrom('/photos/');
      expect((await c.post('/accounts/logout/', { _csrf: old })).statusCode).toBe(303);
      // The anonymous browser now tries to use the signed-in token (e.g. a stale tab) to log in.
      expectRefusalPage(await c.post('/accounts/login/', { _csrf: old, username: 'alice', password: STRONG_PASSWORD }));
    });

    it('a repeated _csrf field is refused', async () => {
      const c = await signedIn('alice');
      const token = await c.csrfFrom('/photos/');
      const res = await c.request({
        method: 'POST',
        url: '/accounts/logout/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(token)}&_csrf=${encodeURIComponent(token)}`,
      });
      expect(res.statusCode).toBe(403);
      expect(await stillSignedIn(c)).toBe(true);
    });
  });

  describe('state-changing requests everywhere', () => {
    it('login without a token never signs in, even with the right password (login CSRF)', async () => {
      const c = client();
      await c.get('/accounts/login/');
      const res = await c.post('/accounts/login/', { username: 'alice', password: STRONG_PASSWORD });
      expectRefusalPage(res);
      expect(c.cookies.has('pv_session')).toBe(false);
    });

    it('signup without a token creates no account', async () => {
      const c = client();
      await c.get('/accounts/signup/');
      const res = await c.post('/accounts/signup/', { username: 'csrf_victim', email: 'v@example.com', password1: STRONG_PASSWORD, password2: STRONG_PASSWORD });
      expectRefusalPage(res);
      const row = await t.db.selectFrom('users').select('id').where('username_key', '=', 'csrf_victim').executeTakeFirst();
      expect(row).toBeUndefined();
    });

    it('"log out everywhere" without a token is refused', async () => {
      const c = await signedIn('bob');
      expectRefusalPage(await c.post('/accounts/logout-everywhere/', {}));
      expect(await stillSignedIn(c)).toBe(true);
    });

    it.each(['PUT', 'DELETE', 'PATCH'] as const)('%s without a token never succeeds', async (method) => {
      const c = await signedIn('bob');
      for (const url of ['/', '/accounts/logout/', '/photos/']) {
        const res = await c.request({ method, url, payload: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect(res.statusCode, `${method} ${url}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${method} ${url}`).toBeLessThan(500);
      }
      expect(await stillSignedIn(c)).toBe(true);
    });
  });

  describe('safe methods are not checked', () => {
    it.each(['/', '/accounts/login/', '/accounts/signup/', '/static/app.css', '/healthz'])('GET %s from another origin, without a token', async (url) => {
      const res = await t.app.inject({ url, headers: { host: HOST, origin: 'https://evil.example', referer: 'https://evil.example/' } });
      expect(res.statusCode).toBe(200);
    });

    it('HEAD and OPTIONS are not refused as CSRF', async () => {
      for (const method of ['HEAD', 'OPTIONS'] as const) {
        const res = await t.app.inject({ method, url: '/', headers: { host: HOST, origin: 'https://evil.example' } });
        expect(res.statusCode, method).not.toBe(403);
      }
    });

    it('a signed-in GET from another origin shows the page', async () => {
      const c = await signedIn('bob');
      expect((await c.get('/photos/', { origin: 'https://evil.example' })).statusCode).toBe(200);
    });
  });

  describe('Origin and Referer over plain HTTP', () => {
    async function logoutWith(headers: Record<string, string>) {
      const c = await signedIn('alice');
      const token = await c.csrfFrom('/photos/');
      const res = await c.post('/accounts/logout/', { _csrf: token }, headers);
      return { res, c };
    }

    it.each([
      ['another site', 'http://evil.example'],
      ['a look-alike suffix', 'http://photos.example.evil.example'],
      ['another port', 'http://photos.example:8080'],
      ['the other scheme', 'https://photos.example'],
      ['the opaque origin "null" (sandboxed iframe, data: URL)', 'null'],
      ['an empty Origin', ''],
    ])('a cross-origin Origin (%s) is refused even with a valid token', async (_label, origin) => {
      const { res, c } = await logoutWith({ origin });
      expectRefusalPage(res);
      expect(await stillSignedIn(c)).toBe(true);
    });

    it('the same Origin is accepted', async () => {
      const { res } = await logoutWith({ origin: `http://${HOST}` });
      expect(res.statusCode).toBe(303);
    });

    it('a cross-site Referer without Origin is refused', async () => {
      const { res, c } = await logoutWith({ referer: 'http://evil.example/attack.html' });
      expectRefusalPage(res);
      expect(await stillSignedIn(c)).toBe(true);
    });

    it('a malformed Referer is refused', async () => {
      const { res } = await logoutWith({ referer: 'not a url at all' });
      expectRefusalPage(res);
    });

    it('a same-site Referer without Origin is accepted', async () => {
      const { res } = await logoutWith({ referer: `http://${HOST}/photos/` });
      expect(res.statusCode).toBe(303);
    });
  });

  describe('the JSON API style', () => {
    it('accepts the token in the X-CSRF-Token header with a JSON body', async () => {
      const c = await signedIn('bob');
      const token = await c.csrfFrom('/photos/');
      const res = await c.request({ method: 'POST', url: '/accounts/logout/', payload: '{}', headers: { 'content-type': 'application/json', 'x-csrf-token': token } });
      expect(res.statusCode).toBe(303);
      expect(await stillSignedIn(c)).toBe(false);
    });

    it('refuses a JSON body without the header with a 403 problem document', async () => {
      const c = await signedIn('bob');
      const res = await c.request({ method: 'POST', url: '/accounts/logout/', payload: '{}', headers: { 'content-type': 'application/json', accept: 'application/json' } });
      expectProblem(res, 403, 'csrf_failed');
      expect(await stillSignedIn(c)).toBe(true);
    });

    it('refuses a forged header token', async () => {
      const c = await signedIn('bob');
      const res = await c.request({ method: 'POST', url: '/accounts/logout/', payload: '{}', headers: { 'content-type': 'application/json', 'x-csrf-token': 'forged', accept: 'application/json' } });
      expectProblem(res, 403, 'csrf_failed');
      expect(await stillSignedIn(c)).toBe(true);
    });

    it('refuses a header token from another session', async () => {
      const a = await signedIn('bob');
      const b = await signedIn('alice');
      const res = await a.request({
        method: 'POST',
        url: '/accounts/logout/',
        payload: '{}',
        headers: { 'content-type': 'application/json', 'x-csrf-token': await b.csrfFrom('/photos/'), accept: 'application/json' },
      });
      expectProblem(res, 403, 'csrf_failed');
    });

    it('the header does not bypass the Origin check', async () => {
      const c = await signedIn('bob');
      const token = await c.csrfFrom('/photos/');
      const res = await c.request({
        method: 'POST',
        url: '/accounts/logout/',
        payload: '{}',
        headers: { 'content-type': 'application/json', 'x-csrf-token': token, origin: 'https://evil.example', accept: 'application/json' },
      });
      expectProblem(res, 403, 'csrf_failed');
    });
  });
});

describe.each(DIALECTS)('CSRF Origin/Referer over HTTPS behind a trusted proxy (%s)', (dialect) => {
  let t: TestApp;
  const HTTPS = { host: HOST, 'x-forwarded-proto': 'https' };

  beforeAll(async () => {
    t = await createTestApp(dialect, { TRUST_PROXY: 'true', LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
    await new TestClient(t.app, { ...HTTPS, origin: `https://${HOST}` }).signup('carol');
  });
  afterAll(() => t.close());

  async function attempt(headers: Record<string, string>) {
    const c = new TestClient(t.app, HTTPS);
    const token = await c.csrfFrom('/accounts/login/');
    return c.post('/accounts/login/', { _csrf: token, username: 'carol', password: STRONG_PASSWORD }, headers);
  }

  it('accepts the same https Origin', async () => {
    expect((await attempt({ origin: `https://${HOST}` })).statusCode).toBe(303);
  });

  it('accepts a same-site https Referer when Origin is absent', async () => {
    expect((await attempt({ referer: `https://${HOST}/accounts/login/` })).statusCode).toBe(303);
  });

  it('refuses a request with neither Origin nor Referer', async () => {
    expectRefusalPage(await attempt({}));
  });

  it.each([
    ['another site', 'https://evil.example/login'],
    ['a downgrade to http', `http://${HOST}/accounts/login/`],
    ['a look-alike host', `https://${HOST}.evil.example/`],
    ['garbage', '::::'],
  ])('refuses a bad Referer (%s)', async (_label, referer) => {
    expectRefusalPage(await attempt({ referer }));
  });

  it.each(['null', 'https://evil.example', `http://${HOST}`])('refuses the Origin %j', async (origin) => {
    expectRefusalPage(await attempt({ origin }));
  });

  it('a bad Origin is not rescued by a good Referer', async () => {
    expectRefusalPage(await attempt({ origin: 'https://evil.example', referer: `https://${HOST}/accounts/login/` }));
  });
});

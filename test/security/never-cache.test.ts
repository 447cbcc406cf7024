import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEVER_CACHE_VALUE } from '../../src/security/never-cache.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { TestClient } from '../support/client.js';

const EXACT = 'max-age=0, no-cache, no-store, must-revalidate, private';

function expectNeverCached(res: LightMyRequestResponse, label: string): void {
  expect(res.headers['cache-control'], label).toBe(EXACT);
  expect(res.headers.pragma, label).toBe('no-cache');
  const expires = String(res.headers.expires ?? '');
  expect(Date.parse(expires), `${label}: Expires in the past`).toBeLessThanOrEqual(Date.now());
}

function expectNotNeverCached(res: LightMyRequestResponse, label: string): void {
  expect(String(res.headers['cache-control'] ?? ''), label).not.toContain('no-store');
  expect(res.headers.pragma, label).toBeUndefined();
}

/** Tiny routes exercising the per-route and per-prefix options. */
function testRoutes(app: FastifyInstance): void {
  const ok = async () => 'ok';
  app.get('/photos/__test/public-under-prefix', { config: { public: true } }, ok);
  app.get('/photos/__test/opted-out', { config: { public: true, neverCache: false } }, ok);
  app.get('/custom/__test/public', { config: { public: true } }, ok);
  app.get('/custom/__test/opted-out', { config: { public: true, neverCache: false } }, ok);
  app.get('/__test/cacheable', { config: { public: true } }, ok);
  app.get('/__test/forced', { config: { public: true, neverCache: true } }, ok);
  app.get('/__test/private', ok);
  app.get('/__test/private-opted-out', { config: { neverCache: false } }, ok);
  app.get('/__test/boom', { config: { public: true, neverCache: false } }, async () => {
    throw new Error('boom');
  });
}

describe.each(DIALECTS)('never-cache (%s)', (dialect) => {
  let t: TestApp;
  let signedIn: TestClient;

  beforeAll(async () => {
    t = await createTestApp(dialect, { NEVER_CACHE_PREFIXES: '/accounts/,/photos/,/api/,/s/,/custom/' }, { beforeReady: testRoutes });
    signedIn = new TestClient(t.app);
    await signedIn.signupAndLogin('cachey');
  });
  afterAll(() => t.close());

  it('uses the django never_cache value', () => {
    expect(NEVER_CACHE_VALUE).toBe(EXACT);
  });

  it.each([
    ['the login page', '/accounts/login/'],
    ['the signup page', '/accounts/signup/'],
    ['the landing page (it carries a CSRF token)', '/'],
    ['a login-required redirect', '/photos/'],
    ['a login-required redirect with a query', '/photos/?page=2'],
    ['a private test route (redirect)', '/__test/private'],
    ['an HTML 404', '/no/such/page'],
    ['an API 404', '/api/no/such/thing'],
    ['a 400 error', '/?name=a&name=b'],
    ['a malformed URL', '/%E0%A4%A'],
    ['liveness', '/healthz'],
    ['readiness', '/readyz'],
  ])('anonymous: %s', async (label, url) => {
    expectNeverCached(await t.app.inject({ url }), label);
  });

  it.each([
    ['the gallery', '/photos/'],
    ['the gallery, page 2', '/photos/?page=2'],
    ['the account page', '/accounts/'],
    ['the data export page', '/accounts/export/'],
    ['the account deletion page', '/accounts/delete/'],
    ['the landing page', '/'],
    ['the login page', '/accounts/login/'],
    ['a 404', '/nothing-here'],
    ['a private test route', '/__test/private'],
    ['a public page outside any prefix', '/__test/cacheable'],
  ])('signed in: %s', async (label, url) => {
    const res = await signedIn.get(url);
    expect(res.statusCode, label).toBeLessThan(500);
    expectNeverCached(res, label);
  });

  it('signed-in form posts and their redirects are never cached', async () => {
    const token = await signedIn.csrfFrom('/photos/');
    const refused = await signedIn.post('/accounts/logout/', { _csrf: 'forged' });
    expectNeverCached(refused, 'CSRF refusal');
    const login = await new TestClient(t.app).login('cachey');
    expectNeverCached(login, 'login redirect');
    void token;
  });

  it('the prefix policy applies to a public route under a prefix', async () => {
    expectNeverCached(await t.app.inject({ url: '/photos/__test/public-under-prefix' }), 'default prefix');
    expectNeverCached(await t.app.inject({ url: '/custom/__test/public' }), 'configured prefix');
  });

  it('a per-route opt-out wins over the prefix policy', async () => {
    const defaultPrefix = await t.app.inject({ url: '/photos/__test/opted-out' });
    expect(defaultPrefix.statusCode).toBe(200);
    expectNotNeverCached(defaultPrefix, 'opted out under /photos/');
    expectNotNeverCached(await t.app.inject({ url: '/custom/__test/opted-out' }), 'opted out under /custom/');
  });

  it('a per-route opt-out wins for a signed-in user too', async () => {
    expectNotNeverCached(await signedIn.get('/photos/__test/opted-out'), 'opted out, signed in');
    expectNotNeverCached(await signedIn.get('/__test/private-opted-out'), 'private route opted out');
  });

  it('a per-route opt-in applies outside every prefix', async () => {
    expectNeverCached(await t.app.inject({ url: '/__test/forced' }), 'forced');
  });

  it('a public route outside the prefixes is left to normal caching when anonymous', async () => {
    expectNotNeverCached(await t.app.inject({ url: '/__test/cacheable' }), 'cacheable');
  });

  it('the prefix policy cannot be dodged by percent-encoding the path', async () => {
    const plain = await t.app.inject({ url: '/photos/__test/public-under-prefix' });
    expect(plain.statusCode).toBe(200);
    for (const url of ['/%70hotos/__test/public-under-prefix', '/photos/%5F_test/public-under-prefix', '/%63ustom/__test/public']) {
      const res = await t.app.inject({ url });
      if (res.statusCode === 200) expectNeverCached(res, url);
      else expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
    }
  });

  it('a prefix matches whole path segments only as configured (no accidental match)', async () => {
    expectNotNeverCached(await t.app.inject({ url: '/__test/cacheable?next=/photos/' }), 'prefix only in the query');
  });

  it('an error in an opted-out route is still never cached', async () => {
    const res = await t.app.inject({ url: '/__test/boom' });
    expect(res.statusCode).toBe(500);
    expectNeverCached(res, 'error in opted-out route');
  });

  it('static files are cacheable, even for a signed-in user', async () => {
    for (const res of [await t.app.inject({ url: '/static/app.css' }), await signedIn.get('/static/app.css')]) {
      expect(res.statusCode).toBe(200);
      expectNotNeverCached(res, 'static');
      expect(String(res.headers['cache-control'])).toMatch(/max-age=\d+/);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('a missing static file is a never-cached 404', async () => {
    expectNeverCached(await signedIn.get('/static/missing.css'), 'static 404 signed in');
    expectNeverCached(await t.app.inject({ url: '/static/missing.css' }), 'static 404 anonymous');
  });
});

import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { TestClient } from '../support/client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STRICT_REFERRER_POLICIES = ['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin'];

function parseCsp(header: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), values);
  }
  return directives;
}

/** Every header the foundation issue lists, checked on one response. */
function expectSecurityHeaders(res: LightMyRequestResponse, label: string): void {
  const h = res.headers;
  expect(h['x-content-type-options'], label).toBe('nosniff');
  expect(h['x-frame-options'], label).toBe('DENY');
  expect(STRICT_REFERRER_POLICIES, label).toContain(h['referrer-policy']);
  expect(h['cross-origin-opener-policy'], label).toBe('same-origin');
  const permissions = String(h['permissions-policy'] ?? '');
  for (const feature of ['camera=()', 'microphone=()', 'geolocation=()', 'payment=()']) expect(permissions, label).toContain(feature);
  expect(h['x-powered-by'], label).toBeUndefined();
  if (h.server !== undefined) expect(String(h.server), label).not.toMatch(/\d|\//);
  expect(String(h['x-request-id']), label).toMatch(UUID);
  expect(h['content-security-policy-report-only'], label).toBeUndefined();

  const csp = parseCsp(String(h['content-security-policy'] ?? ''));
  expect(csp.size, `${label}: CSP present`).toBeGreaterThan(0);
  const scriptSrc = csp.get('script-src') ?? csp.get('default-src');
  expect(scriptSrc, `${label}: script-src or default-src`).toBeDefined();
  for (const source of scriptSrc!) {
    expect(source, `${label}: script source ${source}`).toMatch(/^('self'|'none'|'nonce-[A-Za-z0-9+/=_-]{16,}'|'sha(256|384|512)-[A-Za-z0-9+/=]+'|'strict-dynamic')$/);
  }
  const allSources = [...csp.values()].flat();
  expect(allSources.filter((s) => s === "'unsafe-eval'"), label).toEqual([]);
  expect(csp.get('script-src') ?? [], label).not.toContain("'unsafe-inline'");
  expect(csp.get('default-src') ?? [], label).not.toContain("'unsafe-inline'");
  expect(csp.get('default-src') ?? [], label).not.toContain('*');
  expect(csp.get('object-src'), label).toEqual(["'none'"]);
  expect([["'none'"], ["'self'"]], label).toContainEqual(csp.get('base-uri'));
  expect(csp.get('form-action'), label).toEqual(["'self'"]);
  expect(csp.get('frame-ancestors'), label).toEqual(["'none'"]);
}

describe.each(DIALECTS)('security headers (%s)', (dialect) => {
  let t: TestApp;
  let signedIn: TestClient;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    signedIn = new TestClient(t.app);
    await signedIn.signupAndLogin('headers');
  });
  afterAll(() => t.close());

  const anonymousCases: [string, InjectOptions & { url: string }][] = [
    ['the landing page', { url: '/' }],
    ['the landing page with a name', { url: '/?name=Ada' }],
    ['the login page', { url: '/accounts/login/' }],
    ['the signup page', { url: '/accounts/signup/' }],
    ['an HTML 404', { url: '/no/such/page' }],
    ['an API 404 problem document', { url: '/api/no-such-thing' }],
    ['a 400 error page', { url: '/?name=a&name=b' }],
    ['a malformed URL (bad percent-encoding)', { url: '/%E0%A4%A' }],
    ['a malformed API URL', { url: '/api/%E0%A4%A' }],
    ['a static file', { url: '/static/app.css' }],
    ['a missing static file', { url: '/static/missing.css' }],
    ['a login-required redirect', { url: '/photos/' }],
    ['a CSRF refusal', { method: 'POST', url: '/accounts/logout/', payload: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['an oversized body', { method: 'POST', url: '/accounts/login/', payload: `a=${'x'.repeat(200_000)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['an unsupported content type', { method: 'POST', url: '/accounts/login/', payload: 'x', headers: { 'content-type': 'text/plain' } }],
    ['a HEAD request', { method: 'HEAD', url: '/' }],
    ['an odd method', { method: 'PROPFIND' as InjectOptions['method'], url: '/' }],
    ['liveness', { url: '/healthz' }],
    ['readiness', { url: '/readyz' }],
  ];

  it.each(anonymousCases)('on %s', async (label, request) => {
    const res = await t.app.inject(request);
    expectSecurityHeaders(res, label);
    expect(res.headers['strict-transport-security'], `${label}: no HSTS over plain HTTP`).toBeUndefined();
  });

  it.each([
    ['the gallery', '/photos/'],
    ['the account page', '/accounts/'],
    ['the landing page', '/'],
    ['a 404', '/nothing-here'],
    ['a static file', '/static/app.css'],
  ])('on %s when signed in', async (label, url) => {
    const res = await signedIn.get(url);
    expect(res.statusCode).toBeLessThan(500);
    expectSecurityHeaders(res, label);
  });

  it('on the redirect after login', async () => {
    const res = await new TestClient(t.app).login('headers');
    expect(res.statusCode).toBe(303);
    expectSecurityHeaders(res, 'login redirect');
  });

  it('a malformed URL gets the very same security headers as a page (nonces aside)', async () => {
    const page = await t.app.inject({ url: '/' });
    const malformed = await t.app.inject({ url: '/%E0%A4%A' });
    expect(malformed.statusCode).toBe(400);
    const pick = (res: LightMyRequestResponse) => {
      const { date, 'content-type': _type, 'content-length': _length, 'set-cookie': _cookie, 'x-request-id': _id, connection, ...rest } = res.headers;
      void date;
      void connection;
      return { ...rest, 'content-security-policy': String(rest['content-security-policy']).replace(/ 'nonce-[^']+'/g, '') };
    };
    expect(pick(malformed)).toEqual(pick(page));
  });

  // Issue 18: the owner's media route never renders a page, so no nonces are drawn for it; its
  // answers that are pages (a 404, the login redirect) get the very same CSP, without nonces.
  it.each([
    ['a media 404 when signed in', true, '/photos/00000000-0000-4000-8000-000000000000/media/thumb.jpg', 404],
    ['a media variant that does not exist', true, '/photos/00000000-0000-4000-8000-000000000000/media/nope.exe', 404],
    ['the media route’s login redirect', false, '/photos/00000000-0000-4000-8000-000000000000/media/thumb.jpg', 303],
  ] as const)('%s: every security header, the page CSP without nonces', async (label, signed, url, status) => {
    const res = signed ? await signedIn.get(url) : await t.app.inject({ url });
    expect(res.statusCode).toBe(status);
    expectSecurityHeaders(res, label);
    const page = String((await t.app.inject({ url: '/' })).headers['content-security-policy']);
    expect(page).toMatch(/'nonce-/);
    expect(res.headers['content-security-policy']).toBe(page.replace(/ 'nonce-[^']+'/g, ''));
    for (const tag of res.body.match(/<script\b[^>]*>/gi) ?? []) expect(tag).toMatch(/\ssrc="\/[^/]/);
    expect(res.body).not.toMatch(/<style\b/i);
  });

  it('the script nonce is fresh on every response', async () => {
    const nonce = (res: LightMyRequestResponse) => /'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1];
    const a = nonce(await t.app.inject({ url: '/' }));
    const b = nonce(await t.app.inject({ url: '/' }));
    expect(a).toBeTruthy();
    expect(a).not.toBe(b);
  });

  it.each(['/', '/accounts/login/', '/accounts/signup/', '/no/such/page', '/photos/', '/accounts/'])('%s has no inline script or inline event handler', async (url) => {
    const res = await signedIn.get(url);
    const nonce = /'nonce-([^']+)'/.exec(String(res.headers['content-security-policy']))?.[1];
    for (const tag of res.body.match(/<script\b[^>]*>/gi) ?? []) {
      const src = /\ssrc="([^"]+)"/.exec(tag)?.[1];
      if (src) expect(src.startsWith('/') && !src.startsWith('//')).toBe(true);
      else expect(tag).toContain(`nonce="${nonce}"`);
    }
    expect(res.body).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
    expect(res.body).not.toMatch(/javascript:/i);
  });

  it('a request id from the client is never adopted', async () => {
    const res = await t.app.inject({ url: '/', headers: { 'x-request-id': 'forged-id\nInjected: yes' } });
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.headers.injected).toBeUndefined();
  });

  it('each response has its own request id', async () => {
    const a = await t.app.inject({ url: '/' });
    const b = await t.app.inject({ url: '/' });
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });
});

describe.each(DIALECTS)('HSTS (%s)', (dialect) => {
  let trusted: TestApp;
  let untrusted: TestApp;
  const HTTPS = { 'x-forwarded-proto': 'https', host: 'photos.example' };

  beforeAll(async () => {
    [trusted, untrusted] = await Promise.all([createTestApp(dialect, { TRUST_PROXY: 'true' }), createTestApp(dialect, { TRUST_PROXY: 'false' })]);
  });
  afterAll(() => Promise.all([trusted.close(), untrusted.close()]));

  it.each([
    ['a page', '/'],
    ['a 404', '/nothing'],
    ['a redirect', '/photos/'],
    ['a static file', '/static/app.css'],
  ])('is sent on %s over HTTPS behind a trusted proxy, for at least a year', async (label, url) => {
    const res = await trusted.app.inject({ url, headers: HTTPS });
    const hsts = String(res.headers['strict-transport-security'] ?? '');
    expect(hsts, label).toMatch(/max-age=\d+/);
    expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
    expectSecurityHeaders(res, label);
  });

  // Known gap: for a URL the router cannot decode, Fastify builds the request for
  // `frameworkErrors` from its base Request class, which ignores trustProxy, so
  // request.protocol is 'http' behind a TLS-terminating proxy and HSTS is left off that one
  // 400 answer (all the other security headers are there; see the suite above). Fixing it
  // needs the app to evaluate TRUST_PROXY itself for that path.
  it.fails('is sent on a malformed URL over HTTPS behind a trusted proxy', async () => {
    const res = await trusted.app.inject({ url: '/%E0%A4%A', headers: HTTPS });
    expect(res.statusCode).toBe(400);
    expect(String(res.headers['strict-transport-security'] ?? '')).toMatch(/max-age=31536000/);
  });

  it('is not sent over plain HTTP behind the same proxy', async () => {
    const res = await trusted.app.inject({ url: '/', headers: { 'x-forwarded-proto': 'http' } });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('is not sent when an untrusted client claims HTTPS', async () => {
    const res = await untrusted.app.inject({ url: '/', headers: HTTPS });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});

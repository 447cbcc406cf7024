import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginUrlFor, safeNextPath } from '../../src/security/safe-redirect.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { inputValue } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';

// Targets a browser would resolve to another origin (or to a script), in the shapes attackers use.
const HOSTILE_NEXT = [
  '//evil.com',
  '//evil.com/photos/',
  '///evil.com',
  '/\\evil.com',
  '\\\\evil.com',
  '\\/evil.com',
  '/\\/evil.com',
  'https://evil.com',
  'http://evil.com/photos/',
  'HTTPS://evil.com',
  'ftp://evil.com',
  '//evil.com@photovault.invalid',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'evil.com',
  'photos/',
  '/\t/evil.com',
  '/\n/evil.com',
  '/\r\n/evil.com',
  '\t//evil.com',
  '/\u0000/evil.com',
  '/\u001f/evil.com',
  '/\u007f/evil.com',
  '/\u2028/evil.com',
  ' //evil.com',
  '/ /evil.com',
  // Dot segments that normalise into a scheme-relative "//host" path.
  '/.//evil.com',
  '/./\\evil.com',
  '/a/..//evil.com',
  '/photos/../..//evil.com',
  '/%2e//evil.com',
  '/%2E%2E//evil.com',
];

function resolvesOffSite(location: string): boolean {
  const base = new URL('https://photos.example/accounts/login/');
  const resolved = new URL(location, base);
  return resolved.origin !== base.origin;
}

describe('safeNextPath (unit)', () => {
  it.each(HOSTILE_NEXT)('refuses %j and falls back to /photos/', (next) => {
    expect(safeNextPath(next)).toBe('/photos/');
  });

  it.each(HOSTILE_NEXT)('never returns a target that leaves the site for %j', (next) => {
    const result = safeNextPath(next, '/fallback/');
    expect(resolvesOffSite(result)).toBe(false);
    expect(result.startsWith('//')).toBe(false);
    expect(result.startsWith('/\\')).toBe(false);
  });

  it.each([
    ['/photos/', '/photos/'],
    ['/photos/?page=2', '/photos/?page=2'],
    ['/photos/abc123/', '/photos/abc123/'],
    ['/accounts/', '/accounts/'],
    ['/', '/'],
    ['/photos/#top', '/photos/#top'],
  ])('keeps the same-site path %j', (next, expected) => {
    expect(safeNextPath(next)).toBe(expected);
  });

  it('keeps an encoded "//" as a harmless same-site path, never as a host', () => {
    const result = safeNextPath('/%2F%2Fevil.com');
    expect(result.startsWith('//')).toBe(false);
    expect(resolvesOffSite(result)).toBe(false);
  });

  it('uses the fallback for empty, absent, non-string and oversized values', () => {
    expect(safeNextPath('')).toBe('/photos/');
    expect(safeNextPath(undefined)).toBe('/photos/');
    expect(safeNextPath(null)).toBe('/photos/');
    expect(safeNextPath(['/photos/'])).toBe('/photos/');
    expect(safeNextPath({ toString: () => '/photos/' })).toBe('/photos/');
    expect(safeNextPath(`/${'a'.repeat(5000)}`)).toBe('/photos/');
    expect(safeNextPath('//evil.com', '')).toBe('');
  });

  it('builds the login URL with an encoded, safe next', () => {
    expect(loginUrlFor('/photos/')).toBe('/accounts/login/?next=%2Fphotos%2F');
    expect(loginUrlFor('/photos/?page=2')).toBe('/accounts/login/?next=%2Fphotos%2F%3Fpage%3D2');
    expect(loginUrlFor('//evil.com')).toBe('/accounts/login/?next=%2Fphotos%2F');
  });
});

describe.each(DIALECTS)('open redirect through the login form (%s)', (dialect) => {
  let t: TestApp;
  let client: TestClient;

  beforeAll(async () => {
    // Many logins from one address: keep the throttle out of the way of this suite.
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
    await new TestClient(t.app).signup('redirector');
    client = new TestClient(t.app);
  });
  afterAll(() => t.close());

  it.each(HOSTILE_NEXT)('after login, a hostile next %j lands on /photos/', async (next) => {
    const res = await client.login('redirector', STRONG_PASSWORD, next);
    if (next.includes('\u0000')) {
      // A NUL byte in a form field is malformed input: refused outright, nothing followed.
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
      return;
    }
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/photos/');
  });

  it.each(HOSTILE_NEXT)('the login page does not carry a hostile next %j into its form', async (next) => {
    const res = await t.app.inject({ url: `/accounts/login/?next=${encodeURIComponent(next)}` });
    if (next.includes('\u0000')) {
      // A NUL byte in the query is malformed input: refused outright.
      expect(res.statusCode).toBe(400);
      return;
    }
    expect(res.statusCode).toBe(200);
    expect(inputValue(res.body, 'next') ?? '').toBe('');
    expect(res.body).not.toContain('evil.com');
  });

  it.each([
    ['/photos/', '/photos/'],
    ['/photos/?page=2', '/photos/?page=2'],
    ['/accounts/', '/accounts/'],
  ])('follows the safe next %j after login', async (next, expected) => {
    const res = await client.login('redirector', STRONG_PASSWORD, next);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(expected);
  });

  it('an encoded //host in next stays on this site', async () => {
    const res = await client.login('redirector', STRONG_PASSWORD, '/%2F%2Fevil.com');
    expect(res.statusCode).toBe(303);
    const location = String(res.headers.location);
    expect(location.startsWith('//')).toBe(false);
    expect(resolvesOffSite(location)).toBe(false);
  });

  it('without next, login lands on /photos/', async () => {
    const res = await client.login('redirector');
    expect(res.headers.location).toBe('/photos/');
  });

  it('a login-required redirect carries next, and logging in returns there', async () => {
    const visitor = new TestClient(t.app);
    const first = await visitor.get('/photos/?page=2');
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe('/accounts/login/?next=%2Fphotos%2F%3Fpage%3D2');

    const loginPage = await visitor.get(String(first.headers.location));
    expect(inputValue(loginPage.body, 'next')).toBe('/photos/?page=2');

    const login = await visitor.submit(String(first.headers.location), { username: 'redirector', password: STRONG_PASSWORD, next: inputValue(loginPage.body, 'next') ?? '' }, '/accounts/login/');
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/photos/?page=2');

    const gallery = await visitor.get('/photos/?page=2');
    expect(gallery.statusCode).toBe(200);
  });

  it('the anonymous gallery redirect is exactly /accounts/login/?next=%2Fphotos%2F', async () => {
    const res = await t.app.inject({ url: '/photos/' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/accounts/login/?next=%2Fphotos%2F');
  });

  it('a failed login keeps a safe next and drops a hostile one', async () => {
    const safe = await client.submit('/accounts/login/', { username: 'redirector', password: 'wrong password here', next: '/photos/?page=3' });
    expect(safe.statusCode).toBe(401);
    expect(inputValue(safe.body, 'next')).toBe('/photos/?page=3');
    const hostile = await client.submit('/accounts/login/', { username: 'redirector', password: 'wrong password here', next: '//evil.com' });
    expect(hostile.statusCode).toBe(401);
    expect(inputValue(hostile.body, 'next') ?? '').toBe('');
  });
});

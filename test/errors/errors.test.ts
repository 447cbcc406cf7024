import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, codeForStatus, ERROR_CATALOG } from '../../src/errors/catalog.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { expectNoLeak, expectProblem } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function expect4xx(res: LightMyRequestResponse, label: string): void {
  expect(res.statusCode, `${label}: ${res.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, label).toBeLessThan(500);
  expectNoLeak(res);
  expect(String(res.headers['x-request-id']), label).toMatch(UUID);
}

function expectErrorPage(res: LightMyRequestResponse, status: number, title: string): void {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(res.body).toMatch(/^<!DOCTYPE html>/);
  expect(res.body).toContain(`<h1>${title}</h1>`);
  expect(res.body).toContain(String(res.headers['x-request-id']));
  expectNoLeak(res);
}

describe('the error catalog', () => {
  it('gives every code a status, title and message', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      expect(entry.title.length, code).toBeGreaterThan(0);
      expect(entry.message.length, code).toBeGreaterThan(0);
    }
  });

  it('AppError carries the catalog status and a safe default message', () => {
    const error = new AppError('not_found');
    expect(error.status).toBe(404);
    expect(error.detail).toBe(ERROR_CATALOG.not_found.message);
    expect(new AppError('bad_request', { detail: 'Specific.' }).detail).toBe('Specific.');
  });

  it('maps framework statuses onto the catalog, unknown 4xx to bad_request and anything else to internal_error', () => {
    expect(codeForStatus(404)).toBe('not_found');
    expect(codeForStatus(413)).toBe('payload_too_large');
    expect(codeForStatus(415)).toBe('unsupported_media_type');
    expect(codeForStatus(418)).toBe('bad_request');
    expect(codeForStatus(502)).toBe('internal_error');
  });
});

describe.each(DIALECTS)('errors (%s)', (dialect) => {
  let t: TestApp;
  let signedIn: TestClient;

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' }, {
      beforeReady: (app) => {
        app.get('/__test/crash', { config: { public: true } }, async () => {
          throw new Error('SELECT secret FROM users WHERE 1=1 -- /work/main/src/secret.ts:12:3');
        });
        app.get('/api/__test/crash', { config: { public: true } }, async () => {
          throw Object.assign(new TypeError("Cannot read properties of undefined (reading 'x')"), { statusCode: undefined });
        });
        app.get('/__test/teapot', { config: { public: true } }, async (_request, reply) => {
          const error = Object.assign(new Error('internal detail: /etc/passwd'), { statusCode: 418 });
          return reply.send(error);
        });
      },
    });
    signedIn = new TestClient(t.app);
    await signedIn.signupAndLogin('errors');
  });
  afterAll(() => t.close());

  describe('not found', () => {
    it('is an HTML page for pages', async () => {
      const res = await t.app.inject({ url: '/no/such/page' });
      expectErrorPage(res, 404, 'Not found');
    });

    it('is an RFC 9457 problem document under /api/', async () => {
      const res = await t.app.inject({ url: '/api/no/such/thing' });
      const problem = expectProblem(res, 404, 'not_found');
      expect(problem.title).toBe('Not found');
      expect(problem.request_id).toMatch(UUID);
      expect(Object.keys(problem).sort()).toEqual(['code', 'detail', 'request_id', 'status', 'title', 'type'].sort());
      expectNoLeak(res);
    });

    it('is a problem document for clients that accept only JSON', async () => {
      expectProblem(await t.app.inject({ url: '/no/such/page', headers: { accept: 'application/json' } }), 404, 'not_found');
      expectProblem(await t.app.inject({ url: '/no/such/page', headers: { accept: 'application/problem+json' } }), 404, 'not_found');
    });

    it('stays HTML for a browser that also accepts JSON', async () => {
      const res = await t.app.inject({ url: '/no/such/page', headers: { accept: 'text/html,application/json;q=0.9' } });
      expectErrorPage(res, 404, 'Not found');
    });

    it('for HEAD has no body', async () => {
      const res = await t.app.inject({ method: 'HEAD', url: '/no/such/page' });
      expect(res.statusCode).toBe(404);
      expect(res.body).toBe('');
    });

    it('signed in, the 404 page still works and shows the user', async () => {
      const res = await signedIn.get('/no/such/page');
      expectErrorPage(res, 404, 'Not found');
      expect(res.body).toContain('errors');
    });
  });

  describe('server errors', () => {
    it('an unexpected error is a generic 500 page, with no message, SQL, path or stack', async () => {
      const res = await t.app.inject({ url: '/__test/crash' });
      expectErrorPage(res, 500, 'Server error');
      expect(res.body).not.toContain('secret');
      expect(res.body).not.toContain('WHERE');
    });

    it('an unexpected error under /api/ is a generic 500 problem document', async () => {
      const res = await t.app.inject({ url: '/api/__test/crash' });
      const problem = expectProblem(res, 500, 'internal_error');
      expect(problem.detail).toBe(ERROR_CATALOG.internal_error.message);
      expect(res.body).not.toContain('Cannot read');
      expectNoLeak(res);
    });

    it('a framework 4xx with an internal message shows only the catalog message', async () => {
      const res = await t.app.inject({ url: '/__test/teapot' });
      expect(res.statusCode).toBe(418);
      expect(res.body).not.toContain('/etc/passwd');
      expect(res.body).not.toContain('internal detail');
    });
  });

  describe('malformed input is a 4xx, never a 5xx', () => {
    const cases: [string, InjectOptions & { url: string }][] = [
      ['bad percent-encoding in the path', { url: '/%E0%A4%A' }],
      ['a lone % in the path', { url: '/photos/%' }],
      ['invalid UTF-8 in the path', { url: '/%FF%FE' }],
      ['an overlong UTF-8 "/" in the path', { url: '/%C0%AF' }],
      ['a NUL byte in the path', { url: '/%00' }],
      ['a NUL byte in a static path', { url: '/static/app.css%00.png' }],
      ['path traversal into static files', { url: '/static/../package.json' }],
      ['encoded path traversal', { url: '/static/%2e%2e/%2e%2e/package.json' }],
      ['a 10,000-character path segment', { url: `/${'a'.repeat(10_000)}` }],
      ['a 10,000-character static path', { url: `/static/${'a'.repeat(10_000)}` }],
      ['a huge ?page=', { url: '/photos/?page=99999999999999999999999999999999' }],
      ['a negative ?page=', { url: '/photos/?page=-1' }],
      ['a fractional ?page=', { url: '/photos/?page=1.5' }],
      ['?page=0', { url: '/photos/?page=0' }],
      ['?page=NaN', { url: '/photos/?page=NaN' }],
      ['?page=1e3', { url: '/photos/?page=1e3' }],
      ['a repeated ?page=', { url: '/photos/?page=1&page=2' }],
      ['a repeated ?name=', { url: '/?name=a&name=b' }],
      ['a 10,000-character ?name=', { url: `/?name=${'a'.repeat(10_000)}` }],
      ['PROPFIND on /', { method: 'PROPFIND' as InjectOptions['method'], url: '/' }],
      ['TRACE on /', { method: 'TRACE' as InjectOptions['method'], url: '/' }],
      ['DELETE on /', { method: 'DELETE', url: '/' }],
      ['PUT on the login page', { method: 'PUT', url: '/accounts/login/', payload: 'a=b', headers: FORM }],
      ['PATCH on the gallery', { method: 'PATCH', url: '/photos/' }],
      ['GET on the logout action', { url: '/accounts/logout/' }],
    ];

    it.each(cases)('%s', async (label, request) => {
      const res = await signedIn.request(request);
      expect4xx(res, label);
    });

    it.each([
      ['invalid UTF-8 in the query', '/?name=%FF'],
      ['a truncated UTF-8 sequence in the query', '/?name=%E2%82'],
      ['a UTF-8 surrogate in the query', '/?name=%ED%A0%80'],
      ['bad percent-encoding in the query', '/?name=%E0%A4%A'],
      ['a lone % in the query', '/?name=100%'],
      ['a NUL byte in the query', '/?name=a%00b'],
      ['a NUL byte in a query name', '/?na%00me=x'],
      ['invalid UTF-8 in ?next=', '/accounts/login/?next=%2Fphotos%2F%FF'],
      ['a NUL byte in ?next=', '/accounts/login/?next=%2Fphotos%2F%00'],
    ])('%s is refused with 400', async (label, url) => {
      const res = await t.app.inject({ url });
      expect4xx(res, label);
      expect(res.statusCode, label).toBe(400);
      expect(res.body).not.toContain('%FF');
    });

    describe('form bodies', () => {
      async function postLogin(payload: string | Buffer, headers: Record<string, string> = FORM) {
        const client = new TestClient(t.app);
        const token = await client.csrfFrom('/accounts/login/');
        const body = typeof payload === 'string' ? payload.replace('CSRF', encodeURIComponent(token)) : payload;
        return { res: await client.request({ method: 'POST', url: '/accounts/login/', payload: body, headers }), client };
      }

      it.each([
        ['invalid UTF-8 (percent-encoded)', '_csrf=CSRF&username=%FF%FE&password=x'],
        ['a truncated UTF-8 sequence', '_csrf=CSRF&username=%E2%82&password=x'],
        ['bad percent-encoding', '_csrf=CSRF&username=%E0%A4%A&password=x'],
        ['a NUL byte in a value', '_csrf=CSRF&username=ad%00min&password=x'],
        ['a NUL byte in a name', '_csrf=CSRF&user%00name=admin&password=x'],
        ['a repeated field', '_csrf=CSRF&username=a&username=b&password=x'],
        ['a 10,000-character field', `_csrf=CSRF&username=${'a'.repeat(10_000)}&password=x`],
      ])('%s is refused with 400', async (label, payload) => {
        const { res, client } = await postLogin(payload);
        expect4xx(res, label);
        expect(res.statusCode, label).toBe(400);
        expect(client.cookies.has('pv_session')).toBe(false);
      });

      it('raw invalid UTF-8 bytes are refused', async () => {
        const client = new TestClient(t.app);
        const token = await client.csrfFrom('/accounts/login/');
        const payload = Buffer.concat([Buffer.from(`_csrf=${encodeURIComponent(token)}&username=`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('&password=x')]);
        const res = await client.request({ method: 'POST', url: '/accounts/login/', payload, headers: FORM });
        expect4xx(res, 'raw bytes');
        expect(res.statusCode).toBe(400);
      });

      it('a wrong content type is refused', async () => {
        const { res } = await postLogin('_csrf=CSRF&username=a&password=b', { 'content-type': 'text/plain' });
        expect4xx(res, 'text/plain');
        // Even with the token in the header (so CSRF passes), the text body is not a form.
        const client = new TestClient(t.app);
        const token = await client.csrfFrom('/accounts/login/');
        const withHeader = await client.request({ method: 'POST', url: '/accounts/login/', payload: 'username=a&password=b', headers: { 'content-type': 'text/plain', 'x-csrf-token': token } });
        expect4xx(withHeader, 'text/plain with header token');
        expect([400, 415]).toContain(withHeader.statusCode);
        const unknownType = await client.request({ method: 'POST', url: '/accounts/login/', payload: 'x', headers: { 'content-type': 'application/x-unknown', 'x-csrf-token': token } });
        expect(unknownType.statusCode).toBe(415);
      });

      it.each([
        ['an XML body', '<login><username>a</username></login>', 'application/xml'],
        ['a multipart body to a non-upload route', '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\na\r\n--x--\r\n', 'multipart/form-data; boundary=x'],
        ['a form body with a bogus charset', '_csrf=CSRF&username=a&password=b', 'application/x-www-form-urlencoded; charset=ebcdic'],
        ['malformed JSON', '{"username": ', 'application/json'],
        ['JSON with non-string fields', '{"_csrf": ["a"], "username": {"$ne": null}, "password": {"$gt": ""}}', 'application/json'],
        ['JSON prototype pollution', '{"__proto__": {"admin": true}, "constructor": {"prototype": {"admin": true}}}', 'application/json'],
        ['a JSON string body', '"hello"', 'application/json'],
      ])('%s is a 4xx', async (label, payload, contentType) => {
        const { res } = await postLogin(payload, { 'content-type': contentType });
        expect4xx(res, label);
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
      });

      it('an oversized body is 413', async () => {
        const { res } = await postLogin(`_csrf=CSRF&username=a&password=${'x'.repeat(200_000)}`);
        expect4xx(res, 'oversized');
        expect(res.statusCode).toBe(413);
      });

      it('an oversized body is refused before the CSRF token is even looked at', async () => {
        const res = await t.app.inject({ method: 'POST', url: '/accounts/login/', payload: 'x'.repeat(200_000), headers: FORM });
        expect4xx(res, 'oversized, no token');
      });

      it('a well-formed form still works (control)', async () => {
        const client = new TestClient(t.app);
        await client.signup('control_user');
        const res = await client.login('control_user', STRONG_PASSWORD);
        expect(res.statusCode).toBe(303);
      });
    });

    it('API clients get problem documents for malformed input', async () => {
      expectProblem(await t.app.inject({ url: '/api/%E0%A4%A' }), 400, 'bad_request');
      expectProblem(await t.app.inject({ url: '/?name=a&name=b', headers: { accept: 'application/json' } }), 400, 'bad_request');
      expectProblem(await t.app.inject({ url: '/?name=%FF', headers: { accept: 'application/json' } }), 400, 'bad_request');
    });
  });

  describe('request ids', () => {
    it('every response carries one, and error pages and problems show the same id', async () => {
      const page = await t.app.inject({ url: '/' });
      expect(String(page.headers['x-request-id'])).toMatch(UUID);
      expect(page.body).toContain(String(page.headers['x-request-id']));

      const problem = await t.app.inject({ url: '/api/missing' });
      expect(problem.json().request_id).toBe(problem.headers['x-request-id']);

      const malformed = await t.app.inject({ url: '/%E0%A4%A' });
      expect(String(malformed.headers['x-request-id'])).toMatch(UUID);
      expect(malformed.body).toContain(String(malformed.headers['x-request-id']));
    });
  });
});

describe('through a real socket', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  function raw(request: string | Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.on('error', reject);
      socket.setTimeout(5000, () => {
        socket.destroy();
        resolve(Buffer.concat(chunks).toString('latin1'));
      });
      socket.end(request);
    });
  }

  const statusOf = (response: string) => Number(/^HTTP\/1\.[01] (\d{3})/.exec(response)?.[1]);

  it.each([
    ['raw invalid UTF-8 bytes in the path', Buffer.concat([Buffer.from('GET /'), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])],
    ['raw invalid UTF-8 bytes in the query', Buffer.concat([Buffer.from('GET /?name='), Buffer.from([0xc3, 0x28]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')])],
    ['a raw NUL byte in the path', Buffer.from('GET /a\u0000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'latin1')],
    ['an unknown method', 'BREW / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['a garbage request line', 'HELLO\r\n\r\n'],
    ['a bad percent-encoding', 'GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['an invalid UTF-8 query', 'GET /?name=%FF HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['a header with a NUL', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\nConnection: close\r\n\r\n', 'latin1')],
    ['a huge header', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`],
  ])('%s is a 4xx without internals', async (_label, request) => {
    const response = await raw(request);
    const status = statusOf(response);
    expect(status, response.slice(0, 200)).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expectNoLeak({ body: response });
  });

  it('a normal request still works (control)', async () => {
    const response = await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(response)).toBe(200);
  });
});

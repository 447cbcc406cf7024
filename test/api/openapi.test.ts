import { readFileSync } from 'node:fs';
import type { LightMyRequestResponse } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { API_TEST_ENV, createToken, sessionJson, signedIn, withBearer } from './api-client.js';

// ajv-formats is CommonJS: under NodeNext its function is the `default` of module.exports.
const addFormats = addFormatsModule.default;

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
const DOC_ID = 'urn:photovault:openapi';

interface Operation {
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  components: { securitySchemes: Record<string, Record<string, string>>; schemas: Record<string, unknown> };
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

function operationsOf(doc: OpenApiDocument): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => [path, m, item[m]!] as [string, string, Operation]));
}

const pointerPart = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

describe.each(DIALECTS)('the OpenAPI document (%s)', (dialect) => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let ajv: Ajv2020;

  beforeAll(async () => {
    t = await createTestApp(dialect, API_TEST_ENV);
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json() as OpenApiDocument;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, DOC_ID);
  });
  afterAll(() => t.close());

  /** Asserts that a real response is documented for its operation and matches the documented schema. */
  function expectConforms(method: string, path: string, res: LightMyRequestResponse): void {
    const operation = doc.paths[path]?.[method as (typeof METHODS)[number]];
    expect(operation, `${method} ${path} is documented`).toBeDefined();
    const documented = operation!.responses[String(res.statusCode)];
    expect(documented, `${method} ${path} documents status ${res.statusCode}`).toBeDefined();
    if (!documented!.content) {
      expect(res.body).toBe('');
      return;
    }
    const mediaType = String(res.headers['content-type']).split(';', 1)[0]!;
    expect(Object.keys(documented!.content), `${method} ${path} ${res.statusCode} media type`).toContain(mediaType);
    const pointer = ['paths', path, method, 'responses', String(res.statusCode), 'content', mediaType, 'schema'].map(pointerPart).join('/');
    const validate = ajv.getSchema(`${DOC_ID}#/${pointer}`);
    expect(validate, pointer).toBeDefined();
    const valid = validate!(res.json());
    expect(valid, `${method} ${path} ${res.statusCode}: ${ajv.errorsText(validate!.errors)}`).toBe(true);
  }

  it('is public JSON declaring OpenAPI 3.1 with our name, version, relative server and security schemes', async () => {
    const res = await new TestClient(t.app).get('/openapi.json');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'photovault', version: PACKAGE_VERSION });
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'pv_session' },
      csrfHeader: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
    });
  });

  it('documents the API and nothing else: every path is under /api/', () => {
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      expect(path).toMatch(/^\/api\//);
      expect(path).not.toMatch(/^\/api\/docs/);
    }
    for (const page of ['/', '/accounts/', '/accounts/login/', '/photos/', '/openapi.json', '/healthz', '/api/docs', '/api/docs/json']) expect(paths).not.toContain(page);
    const operations = operationsOf(doc).map(([path, method]) => `${method.toUpperCase()} ${path}`);
    expect(operations).toEqual(
      expect.arrayContaining([
        'GET /api/v1/me',
        'GET /api/v1/csrf-token',
        'GET /api/v1/tokens',
        'POST /api/v1/tokens',
        'DELETE /api/v1/tokens/{id}',
        'POST /api/v1/account/password',
        'GET /api/v1/account/sessions',
        'DELETE /api/v1/account/sessions/{id}',
      ]),
    );
  });

  it('gives every operation an id, a tag, security, and responses whose content has a schema', () => {
    const ids = new Set<string>();
    for (const [path, method, operation] of operationsOf(doc)) {
      const where = `${method} ${path}`;
      expect(operation.operationId, where).toBeTruthy();
      ids.add(operation.operationId!);
      expect(operation.tags?.length, where).toBeGreaterThan(0);
      expect(operation.security?.length, where).toBeGreaterThan(0);
      for (const requirement of operation.security!) for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
      const statuses = Object.keys(operation.responses);
      expect(statuses.some((s) => s.startsWith('2')), where).toBe(true);
      expect(statuses, where).toContain('401');
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(response.description, `${where} ${status}`).toBeTruthy();
        // RFC 9110 15.3.5 / 15.4.5: 204 and 304 answers never have content; a 302 (MEDIA_DELIVERY=redirect)
        // and a 301 (a retired media variant) answer with their Location alone.
        if (status === '204' || status === '304' || status === '302' || status === '301') {
          expect(response.content, `${where} ${status} has no body`).toBeUndefined();
          continue;
        }
        const media = Object.entries(response.content ?? {});
        expect(media.length, `${where} ${status} content`).toBeGreaterThan(0);
        for (const [type, { schema }] of media) {
          expect(schema, `${where} ${status} ${type}`).toBeTruthy();
          if (Number(status) >= 400) {
            expect(type).toBe('application/problem+json');
            expect(schema).toEqual({ $ref: '#/components/schemas/Problem' });
          }
        }
      }
    }
    expect(ids.size).toBe(operationsOf(doc).length);
  });

  it('has schemas that compile as JSON Schema 2020-12, including the problem document', () => {
    expect(doc.components.schemas.Problem).toMatchObject({ type: 'object', required: expect.arrayContaining(['status', 'code', 'detail', 'request_id']) });
    for (const [path, method, operation] of operationsOf(doc)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const type of Object.keys(response.content ?? {})) {
          const pointer = ['paths', path, method, 'responses', status, 'content', type, 'schema'].map(pointerPart).join('/');
          expect(ajv.getSchema(`${DOC_ID}#/${pointer}`), pointer).toBeDefined();
        }
      }
    }
  });

  it('matches what the API really answers, success and failure alike', async () => {
    const alice = await signedIn(t, 'alice');
    const bob = await signedIn(t, 'bob');
    const anonymous = new TestClient(t.app);
    const created = await sessionJson(alice, 'POST', '/api/v1/tokens', { name: 'conformance' });
    expectConforms('post', '/api/v1/tokens', created);
    const token = (created.json() as { token: string; id: string }).token;
    const bobs = await createToken(bob, 'bob');

    expectConforms('get', '/api/v1/me', await alice.get('/api/v1/me'));
    expectConforms('get', '/api/v1/me', await withBearer(t, token, { url: '/api/v1/me' }));
    expectConforms('get', '/api/v1/me', await anonymous.get('/api/v1/me'));
    expectConforms('get', '/api/v1/me', await withBearer(t, 'pv_forged', { url: '/api/v1/me' }));
    expectConforms('get', '/api/v1/csrf-token', await alice.get('/api/v1/csrf-token'));
    expectConforms('get', '/api/v1/csrf-token', await withBearer(t, token, { url: '/api/v1/csrf-token' }));
    expectConforms('get', '/api/v1/tokens', await withBearer(t, token, { url: '/api/v1/tokens' }));
    expectConforms('get', '/api/v1/tokens', await alice.get('/api/v1/tokens?per_page=0'));
    expectConforms('post', '/api/v1/tokens', await sessionJson(alice, 'POST', '/api/v1/tokens', { name: '' }));
    expectConforms('post', '/api/v1/tokens', await sessionJson(alice, 'POST', '/api/v1/tokens', { name: 'x' }, null));
    expectConforms('post', '/api/v1/tokens', await withBearer(t, token, { method: 'POST', url: '/api/v1/tokens', body: { name: 'x' } }));
    expectConforms('post', '/api/v1/tokens', await alice.post('/api/v1/tokens', { name: 'x' }));
    expectConforms('delete', '/api/v1/tokens/{id}', await withBearer(t, token, { method: 'DELETE', url: `/api/v1/tokens/${bobs.id}` }));
    expectConforms('delete', '/api/v1/tokens/{id}', await withBearer(t, token, { method: 'DELETE', url: '/api/v1/tokens/bad' }));
    expectConforms('delete', '/api/v1/tokens/{id}', await withBearer(t, bobs.token, { method: 'DELETE', url: `/api/v1/tokens/${bobs.id}` }));

    const sessions = await alice.get('/api/v1/account/sessions');
    expectConforms('get', '/api/v1/account/sessions', sessions);
    expectConforms('get', '/api/v1/account/sessions', await anonymous.get('/api/v1/account/sessions'));
    const bobsSession = ((await bob.get('/api/v1/account/sessions')).json() as { items: { id: string }[] }).items[0]!.id;
    expectConforms('delete', '/api/v1/account/sessions/{id}', await sessionJson(alice, 'DELETE', `/api/v1/account/sessions/${bobsSession}`));
    expectConforms('delete', '/api/v1/account/sessions/{id}', await sessionJson(alice, 'DELETE', '/api/v1/account/sessions/bad'));
    expectConforms('post', '/api/v1/account/password', await sessionJson(alice, 'POST', '/api/v1/account/password', { old_password: 'wrong old password', new_password: 'x' }));
    expectConforms('post', '/api/v1/account/password', await sessionJson(alice, 'POST', '/api/v1/account/password', {}));
    expectConforms('post', '/api/v1/account/password', await sessionJson(alice, 'POST', '/api/v1/account/password', { old_password: STRONG_PASSWORD, new_password: 'tundra parsnip beacon quiver' }));
    expectConforms('delete', '/api/v1/account/sessions/{id}', await withBearer(t, token, { method: 'DELETE', url: `/api/v1/account/sessions/${(sessions.json() as { items: { id: string }[] }).items[0]!.id}` }));
  });
});

describe('the API docs page over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', API_TEST_ENV);
  });
  afterAll(() => t.close());

  it('is public and served under the site CSP, without unsafe-inline or unsafe-eval', async () => {
    const res = await t.app.inject({ url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers['x-frame-options']).toBe('DENY');
    for (const asset of ['/api/docs/static/swagger-ui-bundle.js', '/api/docs/static/swagger-initializer.js', '/api/docs/static/swagger-ui.css', '/api/docs/json']) {
      expect((await t.app.inject({ url: asset })).statusCode, asset).toBe(200);
    }
    const bundle = await t.app.inject({ url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(bundle.headers['cache-control']).not.toContain('no-store');
    expect(bundle.headers['content-type']).toMatch(/javascript/);
  });
});

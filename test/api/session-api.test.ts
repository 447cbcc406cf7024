import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { API_TEST_ENV, apiCsrfToken, createToken, expectProblem, sessionJson, signedIn, withBearer } from './api-client.js';

describe.each(DIALECTS)('the JSON API with a session cookie (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bob: TestClient;

  beforeAll(async () => {
    t = await createTestApp(dialect, API_TEST_ENV);
    alice = await signedIn(t, 'alice');
    bob = await signedIn(t, 'bob');
  });
  afterAll(() => t.close());

  it('answers /api/v1/me for the signed-in user', async () => {
    const res = await alice.get('/api/v1/me');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'alice', email: 'alice@example.com' });
  });

  it('gives a session-bound CSRF token that works as the X-CSRF-Token header', async () => {
    const token = await apiCsrfToken(alice);
    const created = await sessionJson(alice, 'POST', '/api/v1/tokens', { name: 'from js' }, token);
    expect(created.statusCode).toBe(201);
    const body = created.json() as { token: string; name: string; last_used_at: null };
    expect(body).toMatchObject({ name: 'from js', last_used_at: null });
    expect((await withBearer(t, body.token, { url: '/api/v1/me' })).json()).toMatchObject({ username: 'alice' });
  });

  it('refuses an unsafe method without the X-CSRF-Token header: 403 problem', async () => {
    const res = await sessionJson(alice, 'POST', '/api/v1/tokens', { name: 'no csrf' }, null);
    expectProblem(res, 403, 'csrf_failed');
    const target = await createToken(alice, 'csrf target');
    const del = await sessionJson(alice, 'DELETE', `/api/v1/tokens/${target.id}`, undefined, null);
    expectProblem(del, 403, 'csrf_failed');
    expect((await withBearer(t, target.token, { url: '/api/v1/me' })).statusCode).toBe(200);
  });

  it("refuses another session's CSRF token and a cross-origin request", async () => {
    const bobsToken = await apiCsrfToken(bob);
    expectProblem(await sessionJson(alice, 'POST', '/api/v1/tokens', { name: 'stolen csrf' }, bobsToken), 403, 'csrf_failed');
    const token = await apiCsrfToken(alice);
    const crossSite = await alice.request({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: JSON.stringify({ name: 'cross site' }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': token, origin: 'https://evil.example' },
    });
    expectProblem(crossSite, 403, 'csrf_failed');
  });

  it('refuses a CSRF token to anyone not signed in', async () => {
    expectProblem(await new TestClient(t.app).get('/api/v1/csrf-token'), 401, 'unauthenticated');
  });

  it('accepts JSON bodies only: a form post gets 415', async () => {
    const token = await apiCsrfToken(alice);
    const form = await alice.post('/api/v1/tokens', { name: 'form', _csrf: token }, { 'x-csrf-token': token });
    expectProblem(form, 415, 'unsupported_media_type');
    const text = await alice.request({ method: 'POST', url: '/api/v1/tokens', payload: '{"name":"text"}', headers: { 'content-type': 'text/plain', 'x-csrf-token': token } });
    expectProblem(text, 415, 'unsupported_media_type');
  });

  it('revokes its own token with DELETE and answers 404 for anyone else’s', async () => {
    const own = await createToken(alice, 'delete me');
    const bobs = await createToken(bob, 'not yours');
    expectProblem(await sessionJson(alice, 'DELETE', `/api/v1/tokens/${bobs.id}`), 404, 'not_found');
    expect((await withBearer(t, bobs.token, { url: '/api/v1/me' })).statusCode).toBe(200);
    const res = await sessionJson(alice, 'DELETE', `/api/v1/tokens/${own.id}`);
    expect(res.statusCode).toBe(204);
    expectProblem(await sessionJson(alice, 'DELETE', `/api/v1/tokens/${own.id}`), 404, 'not_found');
  });

  it('validates input against the schema: 400 naming the field, never echoing the value', async () => {
    const huge = 'Z'.repeat(20_000);
    const long = expectProblem(await sessionJson(alice, 'POST', '/api/v1/tokens', { name: huge }), 400, 'validation_failed');
    expect(long.detail).toMatch(/body\/name/);
    expect(JSON.stringify(long)).not.toContain('ZZZZ');

    const missing = expectProblem(await sessionJson(alice, 'POST', '/api/v1/tokens', {}), 400, 'validation_failed');
    expect(missing.detail).toMatch(/name/);

    const extra = expectProblem(await sessionJson(alice, 'POST', '/api/v1/tokens', { name: 'ok', ['<script>'.repeat(100)]: 1 }), 400, 'validation_failed');
    expect(extra.detail).toMatch(/additional properties/);
    expect(String(extra.detail)).not.toContain('<script>');

    expectProblem(await sessionJson(alice, 'POST', '/api/v1/tokens', { name: 42 }), 400, 'validation_failed');
    expectProblem(await sessionJson(alice, 'POST', '/api/v1/tokens', ['name']), 400, 'validation_failed');
    const blank = expectProblem(await sessionJson(alice, 'POST', '/api/v1/tokens', { name: '   ' }), 400, 'validation_failed');
    expect(blank.detail).toBe('Enter a name for the token.');

    const badId = expectProblem(await sessionJson(alice, 'DELETE', '/api/v1/tokens/not-an-id'), 400, 'validation_failed');
    expect(badId.detail).toMatch(/^Invalid input: path\/id /);
  });

  it('pages through the token list, newest first', async () => {
    const carol = await signedIn(t, 'carol');
    for (const name of ['one', 'two', 'three']) await createToken(carol, name);
    const first = await carol.get('/api/v1/tokens?per_page=2');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ page: 1, per_page: 2, has_next: true });
    const second = await carol.get('/api/v1/tokens?per_page=2&page=2');
    expect(second.json()).toMatchObject({ page: 2, per_page: 2, has_next: false });
    const names = [...(first.json() as { items: { name: string }[] }).items, ...(second.json() as { items: { name: string }[] }).items].map((i) => i.name);
    expect(names.sort()).toEqual(['one', 'three', 'two']);
    for (const query of ['per_page=0', 'per_page=101', 'page=0', 'page=abc', 'page=1&page=2', 'unknown=1']) {
      expectProblem(await carol.get(`/api/v1/tokens?${query}`), 400, 'validation_failed');
    }
  });

  it('answers unknown API paths with a 404 problem document', async () => {
    expectProblem(await alice.get('/api/v1/nothing-here'), 404, 'not_found');
    expectProblem(await sessionJson(alice, 'DELETE', '/api/v1/me'), 404, 'not_found');
  });
});

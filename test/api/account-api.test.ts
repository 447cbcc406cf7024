import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { API_TEST_ENV, apiCsrfToken, createToken, expectProblem, sessionJson, withBearer } from './api-client.js';

const NEW_PASSWORD = 'granite orchard velvet comet';
const FIREFOX_WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

interface SessionItem {
  id: string;
  browser: string;
  system: string;
  current: boolean;
  created_at: string;
  last_seen_at: string;
}

async function signedIn(client: TestClient): Promise<boolean> {
  return (await client.get('/api/v1/me')).statusCode === 200;
}

describe.each(DIALECTS)('the account API: password and sessions (%s)', (dialect) => {
  let t: TestApp;
  let users = 0;

  async function newUser(userAgent = FIREFOX_WINDOWS): Promise<{ name: string; client: TestClient }> {
    const name = `apiuser${++users}`;
    const client = new TestClient(t.app, { 'user-agent': userAgent });
    await client.signupAndLogin(name);
    return { name, client };
  }
  async function another(name: string, userAgent = 'curl/8.5.0'): Promise<TestClient> {
    const client = new TestClient(t.app, { 'user-agent': userAgent });
    await client.login(name);
    return client;
  }
  async function sessionsOf(client: TestClient): Promise<SessionItem[]> {
    const res = await client.get('/api/v1/account/sessions');
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { items: SessionItem[] }).items;
  }

  beforeAll(async () => {
    t = await createTestApp(dialect, { ...API_TEST_ENV, LOGIN_ACCOUNT_MAX_FAILURES: '3' });
  });
  afterAll(() => t.close());

  it('POST /api/v1/account/password changes it: 204, a new cookie for this session, every other session ended', async () => {
    const { name, client } = await newUser();
    const phone = await another(name);
    const before = client.cookies.get('pv_session');
    const res = await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: STRONG_PASSWORD, new_password: NEW_PASSWORD });
    expect(res.statusCode, res.body).toBe(204);
    expect(client.cookies.get('pv_session')).not.toBe(before);
    expect(await signedIn(client)).toBe(true);
    expect(await signedIn(phone)).toBe(false);
    expect((await new TestClient(t.app).login(name, NEW_PASSWORD)).statusCode).toBe(303);
  });

  it('with a Bearer token, every session ends and the token keeps working', async () => {
    const { name, client } = await newUser();
    const token = await createToken(client, 'script');
    const res = await withBearer(t, token.token, { method: 'POST', url: '/api/v1/account/password', body: { old_password: STRONG_PASSWORD, new_password: NEW_PASSWORD } });
    expect(res.statusCode, res.body).toBe(204);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await signedIn(client)).toBe(false);
    expect((await withBearer(t, token.token, { url: '/api/v1/me' })).json()).toMatchObject({ username: name });
  });

  it('refuses a wrong old password and a weak new one with 400 problems naming the field; 429 after the lockout', async () => {
    const { client } = await newUser();
    const wrong = expectProblem(await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: 'wrong guess number one', new_password: NEW_PASSWORD }), 400, 'validation_failed');
    expect(wrong.detail).toMatch(/^old_password: Your old password was entered incorrectly/);
    const weak = expectProblem(await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: STRONG_PASSWORD, new_password: 'password1234' }), 400, 'validation_failed');
    expect(weak.detail).toContain('new_password: This password is too common.');
    await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: 'wrong guess number two', new_password: NEW_PASSWORD });
    await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: 'wrong guess number three', new_password: NEW_PASSWORD });
    const locked = expectProblem(await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: STRONG_PASSWORD, new_password: NEW_PASSWORD }), 429, 'too_many_requests');
    expect(locked.detail).toMatch(/Try again in \d+ seconds/);
  });

  it('validates the body: missing, extra, oversized fields and a form post are refused', async () => {
    const { client } = await newUser();
    expectProblem(await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: STRONG_PASSWORD }), 400, 'validation_failed');
    expectProblem(await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: STRONG_PASSWORD, new_password: NEW_PASSWORD, user_id: 'x' }), 400, 'validation_failed');
    expectProblem(await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: STRONG_PASSWORD, new_password: 'z'.repeat(5000) }), 400, 'validation_failed');
    const token = await apiCsrfToken(client);
    expectProblem(await client.post('/api/v1/account/password', { old_password: STRONG_PASSWORD, new_password: NEW_PASSWORD }, { 'x-csrf-token': token }), 415, 'unsupported_media_type');
  });

  it('needs the CSRF header with a session cookie, and a signed-in user', async () => {
    const { name, client } = await newUser();
    expectProblem(await sessionJson(client, 'POST', '/api/v1/account/password', { old_password: STRONG_PASSWORD, new_password: NEW_PASSWORD }, null), 403, 'csrf_failed');
    expectProblem(await new TestClient(t.app).get('/api/v1/account/sessions'), 401, 'unauthenticated');
    expect((await new TestClient(t.app).login(name, STRONG_PASSWORD)).statusCode).toBe(303);
  });

  it('GET /api/v1/account/sessions lists your sessions by browser and system, this one marked', async () => {
    const { name, client } = await newUser();
    await another(name);
    const items = await sessionsOf(client);
    expect(items).toHaveLength(2);
    const current = items.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]).toMatchObject({ browser: 'Firefox 121', system: 'Windows 10' });
    expect(items.find((s) => !s.current)).toMatchObject({ browser: 'Unknown browser', system: 'Unknown system' });
    for (const s of items) {
      expect(s.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Date.parse(s.created_at)).not.toBeNaN();
      expect(Date.parse(s.last_seen_at)).not.toBeNaN();
    }
    expect(JSON.stringify(items)).not.toContain(client.cookies.get('pv_session'));
  });

  it('DELETE /api/v1/account/sessions/{id} ends one of yours; anyone else\'s is a 404 and stays alive', async () => {
    const { name, client } = await newUser();
    const phone = await another(name);
    const stranger = await newUser();
    const strangersSession = (await sessionsOf(stranger.client))[0]!;
    expectProblem(await sessionJson(client, 'DELETE', `/api/v1/account/sessions/${strangersSession.id}`), 404, 'not_found');
    expect(await signedIn(stranger.client)).toBe(true);
    expectProblem(await sessionJson(client, 'DELETE', '/api/v1/account/sessions/not-an-id'), 400, 'validation_failed');
    expectProblem(await sessionJson(client, 'DELETE', `/api/v1/account/sessions/${'A'.repeat(22)}`), 404, 'not_found');

    const phoneSession = (await sessionsOf(client)).find((s) => !s.current)!;
    expectProblem(await sessionJson(client, 'DELETE', `/api/v1/account/sessions/${phoneSession.id}`, undefined, null), 403, 'csrf_failed');
    expect(await signedIn(phone)).toBe(true);
    const res = await sessionJson(client, 'DELETE', `/api/v1/account/sessions/${phoneSession.id}`);
    expect(res.statusCode).toBe(204);
    expect(await signedIn(phone)).toBe(false);
    expectProblem(await sessionJson(client, 'DELETE', `/api/v1/account/sessions/${phoneSession.id}`), 404, 'not_found');

    const own = (await sessionsOf(client)).find((s) => s.current)!;
    const token = await apiCsrfToken(client);
    const self = await sessionJson(client, 'DELETE', `/api/v1/account/sessions/${own.id}`, undefined, token);
    expect(self.statusCode).toBe(204);
    expect(client.cookies.has('pv_session')).toBe(false);
  });

  it('a Bearer token lists the sessions (none current) and can end them', async () => {
    const { client } = await newUser();
    const token = await createToken(client, 'sessions');
    const list = await withBearer(t, token.token, { url: '/api/v1/account/sessions' });
    const items = (list.json() as { items: SessionItem[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]!.current).toBe(false);
    expect((await withBearer(t, token.token, { method: 'DELETE', url: `/api/v1/account/sessions/${items[0]!.id}` })).statusCode).toBe(204);
    expect(await signedIn(client)).toBe(false);
  });
});

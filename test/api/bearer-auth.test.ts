import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { API_TEST_ENV, createToken, expectProblem, sessionJson, signedIn, withBearer, type CreatedToken } from './api-client.js';

const INVALID_TOKEN = 'Bearer error="invalid_token"';

describe.each(DIALECTS)('Bearer authentication with API tokens (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let aliceToken: CreatedToken;

  beforeAll(async () => {
    t = await createTestApp(dialect, API_TEST_ENV);
    alice = await signedIn(t, 'alice');
    bob = await signedIn(t, 'bob');
    aliceToken = await createToken(alice, 'alice cli');
  });
  afterAll(() => t.close());

  it('authenticates /api/v1/me with the token alone: no cookie, no CSRF token', async () => {
    const res = await withBearer(t, aliceToken.token, { url: '/api/v1/me' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: expect.any(String), username: 'alice', email: 'alice@example.com' });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toContain('no-store');
  });

  it('accepts the scheme name in any case (RFC 9110 11.1)', async () => {
    const res = await withBearer(t, aliceToken.token, { url: '/api/v1/me', authorization: `bearer ${aliceToken.token}` });
    expect(res.statusCode).toBe(200);
  });

  it('needs no CSRF token for unsafe methods, since a Bearer token is never sent by the browser on its own', async () => {
    const own = await createToken(alice, 'revokes itself');
    const res = await withBearer(t, own.token, { method: 'DELETE', url: `/api/v1/tokens/${own.id}` });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expectProblem(await withBearer(t, own.token, { url: '/api/v1/me' }), 401, 'invalid_token');
  });

  it('refuses forged, truncated, padded and mangled tokens with 401 and an invalid_token challenge', async () => {
    const forged = `pv_${randomBytes(32).toString('base64url')}`;
    const candidates = [
      forged,
      aliceToken.token.slice(0, -1),
      aliceToken.token.slice(0, 20),
      `${aliceToken.token}x`,
      aliceToken.token.replace(/^pv_/, 'gh_'),
      `pv_${'A'.repeat(43)}`,
      "pv_' OR '1'='1",
      'x'.repeat(5000),
    ];
    for (const token of candidates) {
      const res = await withBearer(t, token, { url: '/api/v1/me' });
      expectProblem(res, 401, 'invalid_token');
      expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN);
      expect(res.body).not.toContain(token.slice(0, 40));
    }
  });

  it('refuses a malformed Authorization header instead of ignoring it', async () => {
    for (const authorization of ['Bearer', 'Bearer ', `Basic ${Buffer.from('alice:pw').toString('base64')}`, `Bearer ${aliceToken.token} extra`, `Token ${aliceToken.token}`]) {
      const res = await withBearer(t, aliceToken.token, { url: '/api/v1/me', authorization });
      expectProblem(res, 401, 'invalid_token');
      expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN);
    }
  });

  it("refuses another user's revoked token", async () => {
    const bobToken = await createToken(bob, 'bob revoked');
    expect((await sessionJson(bob, 'DELETE', `/api/v1/tokens/${bobToken.id}`)).statusCode).toBe(204);
    const res = await withBearer(t, bobToken.token, { url: '/api/v1/me' });
    expectProblem(res, 401, 'invalid_token');
    expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN);
  });

  it('never falls back to the session cookie when an Authorization header is present', async () => {
    const withCookieAndBadToken = await alice.get('/api/v1/me', { authorization: 'Bearer pv_forged' });
    expectProblem(withCookieAndBadToken, 401, 'invalid_token');
    // A valid token wins over the cookie of another user.
    const mixed = await bob.get('/api/v1/me', { authorization: `Bearer ${aliceToken.token}` });
    expect(mixed.statusCode).toBe(200);
    expect(mixed.json()).toMatchObject({ username: 'alice' });
  });

  it('answers an anonymous API request with 401 and a plain Bearer challenge (RFC 6750 3)', async () => {
    const res = await t.app.inject({ url: '/api/v1/me' });
    expectProblem(res, 401, 'unauthenticated');
    expect(res.headers['www-authenticate']).toBe('Bearer realm="photovault"');
  });

  it('does not let a token mint tokens or fetch a CSRF token: those need a signed-in session', async () => {
    const create = await withBearer(t, aliceToken.token, { method: 'POST', url: '/api/v1/tokens', body: { name: 'minted' } });
    expectProblem(create, 403, 'forbidden');
    const csrf = await withBearer(t, aliceToken.token, { url: '/api/v1/csrf-token' });
    expectProblem(csrf, 403, 'forbidden');
  });

  it("answers 404 when a token tries to revoke another user's token", async () => {
    const bobToken = await createToken(bob, 'bob keeps this');
    const res = await withBearer(t, aliceToken.token, { method: 'DELETE', url: `/api/v1/tokens/${bobToken.id}` });
    expectProblem(res, 404, 'not_found');
    expect((await withBearer(t, bobToken.token, { url: '/api/v1/me' })).statusCode).toBe(200);
  });

  it('lists only the owner’s tokens, never their secrets', async () => {
    const res = await withBearer(t, aliceToken.token, { url: '/api/v1/tokens' });
    expect(res.statusCode).toBe(200);
    const names = (res.json() as { items: { name: string }[] }).items.map((i) => i.name);
    expect(names).toContain('alice cli');
    expect(names).not.toContain('bob keeps this');
    expect(res.body).not.toContain(aliceToken.token);
    expect(res.body).not.toContain('token_hash');
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiTokenRepository } from '../../src/accounts/api-tokens/api-token-repository.js';
import { createApiTokenService } from '../../src/accounts/api-tokens/api-token-service.js';
import { API_TEST_ENV, signedIn, TOKEN_PATTERN, withBearer } from '../api/api-client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { extractCsrf, TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/**
 * Creates a token with the account page's form and follows the redirect as a browser does; returns
 * the page it lands on (or the refused form's answer) and the token shown.
 */
async function createOnPage(client: TestClient, name: string) {
  const posted = await client.submit('/accounts/', { name }, '/accounts/api-tokens/');
  if (posted.statusCode !== 303) return { res: posted, token: null };
  expect(posted.headers.location).toBe('/accounts/#api-tokens-heading');
  expect(posted.body).not.toMatch(TOKEN_PATTERN);
  const res = await client.get('/accounts/');
  return { res, token: TOKEN_PATTERN.exec(res.body)?.[0] ?? null };
}

/** The revoke form's action for the token named `name` on the account page. */
async function revokeActionFor(client: TestClient, name: string): Promise<string> {
  const page = (await client.get('/accounts/')).body;
  const row = page.split('<tr>').find((r) => r.includes(`<td data-label="Name">${name}</td>`));
  const action = row && /action="(\/accounts\/api-tokens\/[^"]+\/revoke\/)"/.exec(row)?.[1];
  if (!action) throw new Error(`no revoke form for ${name}`);
  return action;
}

describe.each(DIALECTS)('personal API tokens on the account page (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bob: TestClient;

  beforeAll(async () => {
    t = await createTestApp(dialect, API_TEST_ENV);
    alice = await signedIn(t, 'alice');
    bob = await signedIn(t, 'bob');
  });
  afterAll(() => t.close());

  it('has an API tokens section whose create form carries the CSRF token', async () => {
    const res = await new TestClient(t.app).get('/accounts/');
    expect(res.statusCode).toBe(303); // anonymous: login required
    const page = (await bob.get('/accounts/')).body;
    expect(page).toContain('<h2 id="api-tokens-heading">API tokens</h2>');
    expect(page).toContain('You have no API tokens.');
    const form = /<form method="post" action="\/accounts\/api-tokens\/">([\s\S]*?)<\/form>/.exec(page)?.[1] ?? '';
    expect(extractCsrf(form)).toBeTruthy();
    expect(form).toContain('name="name"');
  });

  it('shows a new token once, lists it by name and prefix, and stores only its SHA-256', async () => {
    const { res, token } = await createOnPage(alice, 'laptop backup');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(token).not.toBeNull();
    expect(res.body).toContain('it will not be shown again');

    const later = await alice.get('/accounts/');
    expect(later.body).not.toContain(token!);
    expect(later.body).toContain('<td data-label="Name">laptop backup</td>');
    expect(later.body).toContain(`<code>${token!.slice(0, 9)}…</code>`);
    expect(later.body).toMatch(/<td data-label="Name">laptop backup<\/td>[\s\S]*?<td data-label="Last used">Never<\/td>/);

    const rows = await t.db.selectFrom('api_tokens').selectAll().where('name', '=', 'laptop backup').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).toBe(sha256(token!));
    expect(rows[0]!.prefix).toBe(token!.slice(0, 9));
    expect(JSON.stringify(rows)).not.toContain(token!.slice(9));

    const me = await withBearer(t, token!, { url: '/api/v1/me' });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: 'alice' });
  });

  it('reveals a new token only to its owner, once, and never from a tampered cookie or after revoking', async () => {
    const created = await alice.submit('/accounts/', { name: 'sealed' }, '/accounts/api-tokens/');
    expect(created.statusCode).toBe(303);
    const sealed = alice.cookies.get('pv_reveal');
    expect(sealed).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(sealed).not.toContain('pv_');

    // Bob replays Alice's sealed cookie on his own account page: nothing.
    bob.cookies.set('pv_reveal', sealed!);
    const bobs = await bob.get('/accounts/');
    expect(bobs.statusCode).toBe(200);
    expect(bobs.body).not.toContain('id="id_new_api_token"');
    expect(bob.cookies.has('pv_reveal')).toBe(false);

    for (const junk of [sealed!.slice(0, 20) + (sealed![20] === 'A' ? 'B' : 'A') + sealed!.slice(21), '', '%00', 'not-base64!', 'A'.repeat(5000)]) {
      alice.cookies.set('pv_reveal', junk);
      const page = await alice.get('/accounts/');
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('id="id_new_api_token"');
    }

    // The genuine cookie, once its token is revoked, reveals nothing.
    await alice.submit('/accounts/', {}, await revokeActionFor(alice, 'sealed'));
    alice.cookies.set('pv_reveal', sealed!);
    expect((await alice.get('/accounts/')).body).not.toContain('id="id_new_api_token"');
  });

  it('records the last use and shows it on the page', async () => {
    const { token } = await createOnPage(alice, 'used once');
    expect((await withBearer(t, token!, { url: '/api/v1/me' })).statusCode).toBe(200);
    const row = await t.db.selectFrom('api_tokens').select('last_used_at').where('token_hash', '=', sha256(token!)).executeTakeFirstOrThrow();
    expect(row.last_used_at).toBeGreaterThan(Date.now() - 60_000);
    expect((await alice.get('/accounts/')).body).toMatch(/<td data-label="Name">used once<\/td>[\s\S]*?<td data-label="Created">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/td>\s*<td data-label="Last used">\d{4}-/);
  });

  it('refuses an empty, blank or control-character name, keeping what was typed', async () => {
    for (const name of ['', '   ', 'evil\u202Ename', 'new\nline']) {
      const { res, token } = await createOnPage(alice, name);
      expect(res.statusCode).toBe(400);
      expect(token).toBeNull();
      expect(res.body).toContain('id="api-token-errors"');
    }
    const long = await createOnPage(alice, 'x'.repeat(101));
    expect(long.res.statusCode).toBe(400);
    expect(long.res.body).toContain('at most 100 characters');
  });

  it('escapes a token name that looks like markup', async () => {
    const { res } = await createOnPage(alice, '<img src=x onerror=alert(1)>');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('&lt;img src=x onerror=alert(1)>');
    expect(res.body).not.toContain('<img src=x');
  });

  it('refuses to create a token without the CSRF token or when signed out', async () => {
    const noToken = await alice.post('/accounts/api-tokens/', { name: 'forged' });
    expect(noToken.statusCode).toBe(403);
    const anonymous = await new TestClient(t.app).post('/accounts/api-tokens/', { name: 'x' });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/accounts\/login\/\?next=/);
    const forged = await t.db.selectFrom('api_tokens').select('id').where('name', '=', 'forged').execute();
    expect(forged).toEqual([]);
  });

  it('revokes a token with the POST form; the token stops working at once', async () => {
    const { token } = await createOnPage(alice, 'to revoke');
    const action = await revokeActionFor(alice, 'to revoke');
    const noCsrf = await alice.post(action, {});
    expect(noCsrf.statusCode).toBe(403);
    const res = await alice.submit('/accounts/', {}, action);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/accounts/');
    expect((await alice.get('/accounts/')).body).not.toContain('<td data-label="Name">to revoke</td>');
    const me = await withBearer(t, token!, { url: '/api/v1/me' });
    expect(me.statusCode).toBe(401);
    expect(me.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it("answers 404 for another user's token id, and leaves that token alone", async () => {
    const { token } = await createOnPage(alice, 'alice keeps this');
    const action = await revokeActionFor(alice, 'alice keeps this');
    const res = await bob.submit('/accounts/', {}, action);
    expect(res.statusCode).toBe(404);
    expect((await withBearer(t, token!, { url: '/api/v1/me' })).statusCode).toBe(200);
    for (const id of ['nope', 'A'.repeat(22), '..%2F..%2Fetc', "x'%20OR%201=1--"]) {
      expect((await bob.submit('/accounts/', {}, `/accounts/api-tokens/${id}/revoke/`)).statusCode).toBe(404);
    }
  });

  it('does not accept a Bearer token on pages: they keep using the session', async () => {
    const { token } = await createOnPage(bob, 'pages test');
    const anonymousWithToken = await t.app.inject({ url: '/accounts/', headers: { authorization: `Bearer ${token}` } });
    expect(anonymousWithToken.statusCode).toBe(303);
    expect(anonymousWithToken.headers.location).toBe('/accounts/login/?next=%2Faccounts%2F');
    const signedInWithBadToken = await bob.get('/accounts/', { authorization: 'Bearer pv_forged' });
    expect(signedInWithBadToken.statusCode).toBe(200);
    // The token does not waive CSRF on a page form either.
    const post = await bob.post('/accounts/api-tokens/', { name: 'sneaky' }, { authorization: `Bearer ${token}` });
    expect(post.statusCode).toBe(403);
  });
});

describe.each(DIALECTS)('the API token service (%s)', (dialect) => {
  let t: TestApp;
  let userId: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, API_TEST_ENV);
    await signedIn(t, 'carol');
    userId = (await t.db.selectFrom('users').select('id').where('username', '=', 'carol').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => t.close());

  it('writes last_used_at at most once a minute', async () => {
    let clock = 1_700_000_000_000;
    const service = createApiTokenService(createApiTokenRepository(t.db), () => clock);
    const created = await service.create(userId, 'clocked');
    if (!created.ok) throw new Error('not created');
    const lastUsed = async () => (await service.list(userId, 100)).find((s) => s.id === created.summary.id)?.lastUsedAt;

    expect(await lastUsed()).toBeNull();
    expect((await service.authenticate(created.token))?.user.username).toBe('carol');
    expect(await lastUsed()).toBe(clock);
    const first = clock;
    clock += 59_000;
    await service.authenticate(created.token);
    expect(await lastUsed()).toBe(first);
    clock += 1_000;
    await service.authenticate(created.token);
    expect(await lastUsed()).toBe(clock);
  });

  it('authenticates nothing but the exact token', async () => {
    const service = createApiTokenService(createApiTokenRepository(t.db));
    const created = await service.create(userId, 'exact');
    if (!created.ok) throw new Error('not created');
    const { token } = created;
    const near = [token.slice(0, -1), `${token}A`, token.toUpperCase(), token.replace('pv_', 'PV_'), ` ${token}`, token.slice(3), sha256(token), ''];
    for (const candidate of near) expect(await service.authenticate(candidate)).toBeNull();
    expect(await service.revoke(userId, created.summary.id)).toBe(true);
    expect(await service.authenticate(token)).toBeNull();
    expect(await service.revoke(userId, created.summary.id)).toBe(false);
  });

  it('makes tokens of 256 random bits that never repeat', async () => {
    const service = createApiTokenService(createApiTokenRepository(t.db));
    const tokens = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const created = await service.create(userId, `bulk ${i}`);
      if (!created.ok) throw new Error('not created');
      expect(created.token).toMatch(/^pv_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(created.token.slice(3), 'base64url')).toHaveLength(32);
      tokens.add(created.token);
    }
    expect(tokens.size).toBe(20);
  });
});

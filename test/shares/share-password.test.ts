import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { cookieAttributes, setCookieLine } from '../support/assertions.js';
import { extractCsrf, type TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { anonymousClient, createShare, expectNotFound, expectShareHeaders, shareIdOf, signedInClient, uploadReadyPhoto } from './share-fixtures.js';

const PASSWORD = 'lighthouse-pebble';
const MAX_FAILURES = 3;

describe.each(DIALECTS)('password-protected share links (%s)', (dialect) => {
  let t: TestApp;
  let owner: TestClient;
  let photoId: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false', LOGIN_ACCOUNT_MAX_FAILURES: String(MAX_FAILURES) });
    owner = await signedInClient(t, 'password_owner');
    photoId = await uploadReadyPhoto(t, owner, 'Protected title');
  });
  afterAll(() => t.close());

  async function protectedLink(): Promise<{ token: string; id: string }> {
    const { response, page, token } = await createShare(owner, photoId, { password: PASSWORD });
    expect(response.statusCode).toBe(303);
    expect(page.body).toContain('Viewers also need the password you chose.');
    return { token, id: await shareIdOf(t, token) };
  }

  /** Posts the password form of the link, with the CSRF token from its page. */
  async function submitPassword(client: TestClient, token: string, password: string) {
    const form = await client.get(`/s/${token}/`);
    const csrf = extractCsrf(form.body);
    if (!csrf) throw new Error(`no password form (status ${form.statusCode})`);
    return client.post(`/s/${token}/`, { _csrf: csrf, password });
  }

  it('shows a password form (with its CSRF token) instead of the photo', async () => {
    const { token } = await protectedLink();
    const page = await anonymousClient(t).get(`/s/${token}/`);
    expect(page.statusCode).toBe(200);
    expectShareHeaders(page);
    expect(page.body).toMatch(new RegExp(`<form method="post" action="/s/${token}/">[\\s\\S]*name="_csrf"[\\s\\S]*name="password" type="password"[\\s\\S]*</form>`));
    expect(page.body).not.toContain('Protected title');
    expect(page.body).not.toContain('/media/');
    expectNotFound(await anonymousClient(t).get(`/s/${token}/media/display.jpg`));
  });

  it('refuses a wrong password and does not count a view', async () => {
    const { token, id } = await protectedLink();
    const viewer = anonymousClient(t);
    const wrong = await submitPassword(viewer, token, 'not-the-password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That password is not correct.');
    expect(setCookieLine(wrong, `pv_share_${id}`)).toBeUndefined();
    expectNotFound(await viewer.get(`/s/${token}/media/display.jpg`));
    const row = await t.db.selectFrom('share_links').select('views').where('id', '=', id).executeTakeFirstOrThrow();
    expect(Number(row.views)).toBe(0);
  });

  it('needs the CSRF token to try a password', async () => {
    const { token } = await protectedLink();
    const viewer = anonymousClient(t);
    await viewer.get(`/s/${token}/`);
    expect((await viewer.post(`/s/${token}/`, { password: PASSWORD })).statusCode).toBe(403);
  });

  it('grants access with the right password through a signed, HttpOnly, SameSite=Lax, path-scoped cookie', async () => {
    const { token, id } = await protectedLink();
    const viewer = anonymousClient(t);
    const unlocked = await submitPassword(viewer, token, PASSWORD);
    expect(unlocked.statusCode).toBe(303);
    expect(unlocked.headers.location).toBe(`/s/${token}/`);
    expect(unlocked.headers['referrer-policy']).toBe('same-origin');

    const line = setCookieLine(unlocked, `pv_share_${id}`);
    expect(line).toBeDefined();
    const attributes = cookieAttributes(line ?? '');
    expect(attributes.has('httponly')).toBe(true);
    expect(attributes.get('samesite')).toBe('Lax');
    expect(attributes.get('path')).toBe(`/s/${token}/`);
    const maxAge = Number(attributes.get('max-age'));
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(3600);
    // The value names the link, not the token or the password.
    const value = decodeURIComponent(viewer.cookies.get(`pv_share_${id}`) ?? '');
    expect(value.startsWith(`${id}.`)).toBe(true);
    expect(value).not.toContain(token);
    expect(value).not.toContain(PASSWORD);

    const page = await viewer.get(`/s/${token}/`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Protected title');
    const media = await viewer.get(`/s/${token}/media/display.jpg`);
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toBe('image/jpeg');
    expect(media.headers['x-content-type-options']).toBe('nosniff');
    expectShareHeaders(media);
    const row = await t.db.selectFrom('share_links').select('views').where('id', '=', id).executeTakeFirstOrThrow();
    expect(Number(row.views)).toBe(1);

    // Revoking the link ends the grant at once.
    await owner.submit(`/photos/${photoId}/`, {}, `/photos/${photoId}/shares/${id}/revoke/`);
    expectNotFound(await viewer.get(`/s/${token}/`));
    expectNotFound(await viewer.get(`/s/${token}/media/display.jpg`));
    expectNotFound(await viewer.get(`/s/${token}/media/display.webp`));
  });

  it('rejects forged, unsigned, tampered and other links’ cookies', async () => {
    const a = await protectedLink();
    const b = await protectedLink();
    const viewer = anonymousClient(t);
    expect((await submitPassword(viewer, a.token, PASSWORD)).statusCode).toBe(303);
    const granted = decodeURIComponent(viewer.cookies.get(`pv_share_${a.id}`) ?? '');
    const [id, version, until, signature] = granted.split('.');
    expect([id, version, until, signature].every((part) => part !== undefined && part !== '')).toBe(true);
    const future = String(Date.now() + 10 * 60_000);

    const attempts: Record<string, [string, string]> = {
      'A’s signed cookie presented as B’s': [`pv_share_${b.id}`, granted],
      'unsigned value': [`pv_share_${a.id}`, `${id}.${version}.${until}`],
      'forged signature': [`pv_share_${a.id}`, `${id}.${version}.${future}.${signature}`],
      'made-up signature': [`pv_share_${a.id}`, `${id}.${version}.${future}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`],
      'B’s id in A’s signed value': [`pv_share_${b.id}`, `${b.id}.${version}.${until}.${signature}`],
      'empty value': [`pv_share_${a.id}`, ''],
    };
    for (const [name, [cookieName, cookieValue]] of Object.entries(attempts)) {
      const target = cookieName.endsWith(a.id) ? a.token : b.token;
      const stranger = anonymousClient(t);
      stranger.cookies.set(cookieName, encodeURIComponent(cookieValue));
      const page = await stranger.get(`/s/${target}/`);
      expect(page.statusCode, name).toBe(200);
      expect(page.body, name).toContain('name="password" type="password"');
      expect(page.body, name).not.toContain('Protected title');
      expectNotFound(await stranger.get(`/s/${target}/media/display.jpg`));
    }
    // Even when both links hold the very same password hash, a grant names its one link.
    const hashOfA = await t.db.selectFrom('share_links').select('password_hash').where('id', '=', a.id).executeTakeFirstOrThrow();
    await t.db.updateTable('share_links').set({ password_hash: hashOfA.password_hash }).where('id', '=', b.id).execute();
    const replay = anonymousClient(t);
    replay.cookies.set(`pv_share_${b.id}`, encodeURIComponent(granted));
    expectNotFound(await replay.get(`/s/${b.token}/media/display.jpg`));
    // The real grant still works for its own link, and only there.
    expect((await viewer.get(`/s/${a.token}/media/display.jpg`)).statusCode).toBe(200);
    expectNotFound(await viewer.get(`/s/${b.token}/media/display.jpg`));
  });

  it('ends a grant when its link expires', async () => {
    const { token, id } = await protectedLink();
    const viewer = anonymousClient(t);
    expect((await submitPassword(viewer, token, PASSWORD)).statusCode).toBe(303);
    // The link's own expiry caps the grant: an expired link shows nothing, cookie or not.
    await t.db.updateTable('share_links').set({ expires_at: Date.now() - 1 }).where('id', '=', id).execute();
    expectNotFound(await viewer.get(`/s/${token}/media/display.jpg`));
  });

  it(`throttles wrong passwords per link: after ${MAX_FAILURES} failures, 429 "Try again in N seconds" even for the right one`, async () => {
    const { token } = await protectedLink();
    const attacker = anonymousClient(t);
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect((await submitPassword(attacker, token, `guess-number-${i}`)).statusCode).toBe(401);
    }
    const locked = await submitPassword(attacker, token, PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.body).toMatch(/Too many wrong passwords\. Try again in \d+ seconds\./);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(String(locked.headers['set-cookie'] ?? '')).not.toContain('pv_share_');
    expect([...attacker.cookies.keys()].some((name) => name.startsWith('pv_share_'))).toBe(false);

    // The lock is on the link: another address is refused too, while other links still open.
    const other = anonymousClient(t);
    expect((await submitPassword(other, token, PASSWORD)).statusCode).toBe(429);
    const fresh = await protectedLink();
    expect((await submitPassword(attacker, fresh.token, PASSWORD)).statusCode).toBe(303);
  });

  it('does not ask for a password on links without one', async () => {
    const { token } = await createShare(owner, photoId);
    const viewer = anonymousClient(t);
    const page = await viewer.get(`/s/${token}/`);
    expect(page.body).toContain('Protected title');
    expect(page.body).not.toContain('name="password"');
    const csrf = extractCsrf((await viewer.get('/accounts/login/')).body) ?? '';
    const post = await viewer.post(`/s/${token}/`, { _csrf: csrf, password: 'anything' });
    expect(post.statusCode).toBe(303);
    expect(post.headers.location).toBe(`/s/${token}/`);
  });
});

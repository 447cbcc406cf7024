import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import type { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { anonymousClient, createShare, expectNotFound, hashToken, shareIdOf, signedInClient, uploadReadyPhoto } from './share-fixtures.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(DIALECTS)('share links, owner side (%s)', (dialect) => {
  let t: TestApp;
  let owner: TestClient;
  let other: TestClient;
  let photoId: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    owner = await signedInClient(t, 'share_owner');
    other = await signedInClient(t, 'share_other');
    photoId = await uploadReadyPhoto(t, owner);
  });
  afterAll(() => t.close());

  it('shows a share form on the photo page with 7 days preselected', async () => {
    const page = await owner.get(`/photos/${photoId}/`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<form method="post" action="\/photos\/[0-9a-f]{32}\/shares\/">[\s\S]*name="_csrf"[\s\S]*<\/form>/);
    expect(page.body).toMatch(/<option value="7" selected="">7 days<\/option>|<option selected="" value="7">7 days<\/option>|<option value="7" selected>7 days<\/option>/);
    expect(page.body).toContain('<option value="1">1 day</option>');
    expect(page.body).toContain('<option value="30">30 days</option>');
    expect(page.body).toContain('This photo has no share links.');
  });

  it('creates a link, shows it once with a copy-now notice, then lists it without the token', async () => {
    const before = Date.now();
    const { response, page: shown, token } = await createShare(owner, photoId, { expires_in: '30' });
    // POST → redirect → GET: a refresh of the page neither re-submits the form nor shows the link again.
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/photos/${photoId}/#share-links`);
    expect(response.body).not.toContain(token);
    const revealCookie = String(response.headers['set-cookie']);
    expect(revealCookie).toMatch(new RegExp(`^pv_reveal=[A-Za-z0-9_-]+; Max-Age=120; Path=/photos/${photoId}/; HttpOnly; SameSite=Strict`));
    expect(revealCookie).not.toContain(token);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(shown.body).toContain('Copy it now: it will not be shown again.');
    expect(shown.body).toContain(`http://localhost:80/s/${token}/`);
    expect(shown.body).toMatch(/<button type="button" data-copy="id_new_share_link" hidden="">Copy<\/button>|data-copy="id_new_share_link"/);

    const row = await t.db.selectFrom('share_links').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ photo_id: photoId, password_hash: '', revoked_at: 0, views: 0 });
    expect(row.id).toMatch(/^[0-9a-f]{32}$/);
    expect(row.expires_at - row.created_at).toBe(30 * DAY_MS);
    expect(row.created_at).toBeGreaterThanOrEqual(before);

    const page = await owner.get(`/photos/${photoId}/`);
    expect(page.body).not.toContain(token);
    expect(page.body).toContain(`data-share-id="${row.id}"`);
    expect(page.body).toMatch(new RegExp(`data-share-id="${row.id}">[\\s\\S]*?Active[\\s\\S]*?action="/photos/${photoId}/shares/${row.id}/revoke/"`));
  });

  it('defaults to 7 days and refuses an expiry that is not offered', async () => {
    const { token } = await createShare(owner, photoId);
    const row = await t.db.selectFrom('share_links').select(['expires_at', 'created_at']).where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
    expect(row.expires_at - row.created_at).toBe(7 * DAY_MS);

    const count = async () => (await t.db.selectFrom('share_links').select('id').execute()).length;
    const rows = await count();
    for (const expiresIn of ['365', '0', '-1', '7.5', '']) {
      const refused = await createShare(owner, photoId, { expires_in: expiresIn });
      expect(refused.response.statusCode).toBe(400);
      expect(refused.token).toBe('');
      expect(refused.response.body).toContain('Choose when the link expires: after 1, 7 or 30 days.');
    }
    expect(await count()).toBe(rows);
  });

  it('stores the token only as its SHA-256: no table holds the token itself', async () => {
    const { token } = await createShare(owner, photoId, { password: 'correct horse battery' });
    const tables = ['users', 'sessions', 'login_throttle', 'photos', 'jobs', 'api_tokens', 'share_links'] as const;
    for (const table of tables) {
      const rows = await t.db.selectFrom(table).selectAll().execute();
      expect(JSON.stringify(rows), table).not.toContain(token);
    }
    const row = await t.db.selectFrom('share_links').select(['token_hash', 'password_hash']).where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row.password_hash).not.toContain('correct horse battery');
  });

  it('refuses a share password that is too short, and keeps nothing', async () => {
    const { response, token } = await createShare(owner, photoId, { password: 'short' });
    expect(response.statusCode).toBe(400);
    expect(token).toBe('');
    expect(response.body).toContain('The password is too short.');
  });

  it('revokes a link: it is listed as revoked and no longer opens', async () => {
    const { token } = await createShare(owner, photoId);
    const id = await shareIdOf(t, token);
    expect((await anonymousClient(t).get(`/s/${token}/`)).statusCode).toBe(200);

    const revoke = await owner.submit(`/photos/${photoId}/`, {}, `/photos/${photoId}/shares/${id}/revoke/`);
    expect(revoke.statusCode).toBe(303);
    expect(revoke.headers.location).toBe(`/photos/${photoId}/#share-links`);
    const row = await t.db.selectFrom('share_links').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.revoked_at).toBeGreaterThan(0);
    expectNotFound(await anonymousClient(t).get(`/s/${token}/`));

    const page = await owner.get(`/photos/${photoId}/`);
    expect(page.body).toMatch(new RegExp(`data-share-id="${id}">[\\s\\S]*?Revoked`));
    expect(page.body).not.toContain(`/shares/${id}/revoke/`);
    // Revoking again changes nothing and is not an error.
    expect((await owner.submit(`/photos/${photoId}/`, {}, `/photos/${photoId}/shares/${id}/revoke/`)).statusCode).toBe(303);
  });

  it('needs a CSRF token to create or revoke', async () => {
    const create = await owner.post(`/photos/${photoId}/shares/`, { expires_in: '7', password: '' });
    expect(create.statusCode).toBe(403);
    const { token } = await createShare(owner, photoId);
    const id = await shareIdOf(t, token);
    const revoke = await owner.post(`/photos/${photoId}/shares/${id}/revoke/`, {});
    expect(revoke.statusCode).toBe(403);
    expect((await anonymousClient(t).get(`/s/${token}/`)).statusCode).toBe(200);
  });

  it('sends anonymous visitors of the owner routes to the login page', async () => {
    const anonymous = anonymousClient(t);
    const token = await anonymous.csrfFrom('/accounts/login/');
    const response = await anonymous.post(`/photos/${photoId}/shares/`, { _csrf: token, expires_in: '7', password: '' });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toMatch(/^\/accounts\/login\/\?next=/);
  });

  it("answers 404 to another user creating, listing or revoking links on someone else's photo", async () => {
    const { token } = await createShare(owner, photoId);
    const id = await shareIdOf(t, token);
    const rows = (await t.db.selectFrom('share_links').select('id').execute()).length;

    const csrf = await other.csrfFrom('/photos/upload/');
    expectNotFound(await other.post(`/photos/${photoId}/shares/`, { _csrf: csrf, expires_in: '7', password: '' }));
    expectNotFound(await other.get(`/photos/${photoId}/`));
    expectNotFound(await other.post(`/photos/${photoId}/shares/${id}/revoke/`, { _csrf: csrf }));
    // The other user's own photo with the owner's share id: still not theirs.
    const otherPhoto = await uploadReadyPhoto(t, other);
    expectNotFound(await other.post(`/photos/${otherPhoto}/shares/${id}/revoke/`, { _csrf: csrf }));
    // The owner's share id under the owner's other photo: a link belongs to one photo only.
    const secondPhoto = await uploadReadyPhoto(t, owner);
    expectNotFound(await owner.submit(`/photos/${secondPhoto}/`, {}, `/photos/${secondPhoto}/shares/${id}/revoke/`));
    for (const bad of ['x', '../', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ', `${id}0`]) {
      expectNotFound(await owner.submit(`/photos/${photoId}/`, {}, `/photos/${photoId}/shares/${encodeURIComponent(bad)}/revoke/`));
    }

    expect((await t.db.selectFrom('share_links').select('id').execute()).length).toBe(rows);
    const row = await t.db.selectFrom('share_links').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.revoked_at).toBe(0);
    expect((await anonymousClient(t).get(`/s/${token}/`)).statusCode).toBe(200);
  });

  it('cannot share a photo held for review, and says why', async () => {
    const held = await uploadReadyPhoto(t, owner);
    await t.db.updateTable('photos').set({ status: 'held', status_detail: 'Held for review.' }).where('id', '=', held).execute();

    const page = await owner.get(`/photos/${held}/`);
    expect(page.body).toContain('This photo is held for review, so it cannot be shared.');
    expect(page.body).not.toContain(`action="/photos/${held}/shares/"`);

    const csrf = await owner.csrfFrom(`/photos/${held}/`);
    const refused = await owner.post(`/photos/${held}/shares/`, { _csrf: csrf, expires_in: '7', password: '' });
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('This photo is held for review, so it cannot be shared.');
    expect(refused.body).not.toMatch(/\/s\/[A-Za-z0-9_-]{43}\//);
    expect(await t.db.selectFrom('share_links').select('id').where('photo_id', '=', held).execute()).toEqual([]);
  });

  it('cannot share a photo that is still being processed or was rejected', async () => {
    const photo = await uploadReadyPhoto(t, owner);
    for (const [status, message] of [
      ['processing', 'This photo is still being processed.'],
      ['rejected', 'This photo was not accepted, so it cannot be shared.'],
    ] as const) {
      await t.db.updateTable('photos').set({ status }).where('id', '=', photo).execute();
      const { response, token } = await createShare(owner, photo);
      expect(response.statusCode).toBe(409);
      expect(token).toBe('');
      expect(response.body).toContain(message);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { extractCsrf, type TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { anonymousClient, createShare, createShareOn, expectNotFound, expectShareHeaders, shareIdOf, signedInClient, uploadReadyPhoto } from '../shares/share-fixtures.js';
import { createAlbum, postForm, postPhotos } from './album-fixtures.js';

const PASSWORD = 'seagull-anchor';

describe.each(DIALECTS)('album share links (%s)', (dialect) => {
  let t: TestApp;
  let owner: TestClient;
  let albumId: string;
  let photos: string[];
  let outside: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false', LOGIN_ACCOUNT_MAX_FAILURES: '3' });
    owner = await signedInClient(t, 'album_sharer');
    photos = [await uploadReadyPhoto(t, owner, 'Pier <b>at</b> noon'), await uploadReadyPhoto(t, owner, 'Gulls')];
    outside = await uploadReadyPhoto(t, owner, 'Not in the album');
    albumId = await createAlbum(owner, 'Seaside “weekend”');
    expect((await postPhotos(owner, albumId, '/albums/:id/photos/', photos)).statusCode).toBe(303);
  });
  afterAll(() => t.close());

  /** The album page's share form, its redirect followed: `response` is the page that shows the link once. */
  async function shareAlbum(form: { expires_in?: string; password?: string } = {}, id = albumId) {
    const { page, token } = await createShareOn(owner, `/albums/${id}/`, form);
    return { response: page, token };
  }

  it('creates a link on the album page, shown once, listed without its token', async () => {
    const { response, token } = await shareAlbum();
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Copy it now: it will not be shown again.');
    expect(response.body).toContain('Anyone with the link can see this album.');
    const page = await owner.get(`/albums/${albumId}/`);
    expect(page.body).not.toContain(token);
    expect(page.body).toContain(`data-share-id="${await shareIdOf(t, token)}"`);
  });

  it('shows the album to anyone with the link through share-scoped URLs, and nothing else of the owner', async () => {
    const { token } = await shareAlbum();
    const page = await anonymousClient(t).get(`/s/${token}/`);
    expect(page.statusCode).toBe(200);
    expectShareHeaders(page);
    expect(page.body).toContain('<h1>Seaside “weekend”</h1>');
    expect(page.body).toContain('Pier &lt;b>at&lt;/b> noon');
    for (const id of photos) {
      expect(page.body).toContain(`href="/s/${token}/photos/${id}/"`);
      expect(page.body).toContain(`src="/s/${token}/photos/${id}/media/thumb.jpg"`);
    }
    for (const secret of ['album_sharer', outside, 'Not in the album', 'holiday-secret-name', '"/photos/', '"/albums/', 'original']) expect(page.body, secret).not.toContain(secret);
  });

  it("serves the album's photos (display and thumbnails, never the original) and nothing else", async () => {
    const { token } = await shareAlbum();
    const anonymous = anonymousClient(t);
    const photoPage = await anonymous.get(`/s/${token}/photos/${photos[1]}/`);
    expect(photoPage.statusCode).toBe(200);
    expectShareHeaders(photoPage);
    expect(photoPage.body).toContain('<h1>Gulls</h1>');
    expect(photoPage.body).toContain(`src="/s/${token}/photos/${photos[1]}/media/display.jpg"`);
    expect(photoPage.body).toContain(`<a href="/s/${token}/">`);
    for (const variant of ['display.jpg', 'thumb.jpg']) {
      const media = await anonymous.get(`/s/${token}/photos/${photos[0]}/media/${variant}`);
      expect(media.statusCode, variant).toBe(200);
      expect(media.headers['content-type']).toBe('image/jpeg');
      expectShareHeaders(media);
    }
    // The retired WebP names lead to the JPEG under the same link.
    const retired = await anonymous.get(`/s/${token}/photos/${photos[0]}/media/thumb.webp`);
    expect(retired.statusCode).toBe(301);
    expect(retired.headers.location).toBe('thumb.jpg');
    for (const url of [
      `/s/${token}/photos/${photos[0]}/media/original`,
      `/s/${token}/photos/${photos[0]}/media/..%2Foriginal`,
      `/s/${token}/photos/${outside}/`,
      `/s/${token}/photos/${outside}/media/thumb.jpg`,
      `/s/${token}/photos/${'0'.repeat(32)}/media/thumb.jpg`,
      `/s/${token}/photos/not-an-id/`,
      `/s/${token}/media/display.jpg`,
    ]) {
      expectNotFound(await anonymous.get(url));
    }
  });

  it("another user's photo is never reachable through the link, nor can they share or revoke the album", async () => {
    const stranger = await signedInClient(t, 'album_stranger');
    const theirs = await uploadReadyPhoto(t, stranger, 'Stranger photo');
    const { token } = await shareAlbum();
    expectNotFound(await anonymousClient(t).get(`/s/${token}/photos/${theirs}/media/thumb.jpg`));
    const csrf = await stranger.csrfFrom('/albums/');
    expect((await postForm(stranger, `/albums/${albumId}/shares/`, [['_csrf', csrf], ['expires_in', '7'], ['password', '']])).statusCode).toBe(404);
    const shareId = await shareIdOf(t, token);
    expect((await postForm(stranger, `/albums/${albumId}/shares/${shareId}/revoke/`, [['_csrf', csrf]])).statusCode).toBe(404);
    expect((await anonymousClient(t).get(`/s/${token}/`)).statusCode).toBe(200);
  });

  it('a photo link does not open album routes, and a link to one photo never reaches the album', async () => {
    const { token } = await createShare(owner, photos[0]!);
    expect(token).not.toBe('');
    expectNotFound(await anonymousClient(t).get(`/s/${token}/photos/${photos[1]}/`));
    expectNotFound(await anonymousClient(t).get(`/s/${token}/photos/${photos[0]}/media/thumb.jpg`));
  });

  it('a password-protected album link shows only the form until the right password, throttled like photo links', async () => {
    const { token, response } = await shareAlbum({ password: PASSWORD });
    expect(response.body).toContain('Viewers also need the password you chose.');
    const visitor = anonymousClient(t);
    const form = await visitor.get(`/s/${token}/`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('This shared album is protected');
    expect(form.body).not.toContain('Gulls');
    expectNotFound(await visitor.get(`/s/${token}/photos/${photos[0]}/media/thumb.jpg`));
    expectNotFound(await visitor.get(`/s/${token}/photos/${photos[0]}/`));
    const csrf = extractCsrf(form.body)!;
    expect((await visitor.post(`/s/${token}/`, { password: PASSWORD })).statusCode).toBe(403);
    const wrong = await visitor.post(`/s/${token}/`, { _csrf: csrf, password: 'not the password' });
    expect(wrong.statusCode).toBe(401);
    const right = await visitor.post(`/s/${token}/`, { _csrf: csrf, password: PASSWORD });
    expect(right.statusCode).toBe(303);
    expect((await visitor.get(`/s/${token}/`)).body).toContain('Gulls');
    expect((await visitor.get(`/s/${token}/photos/${photos[0]}/media/thumb.jpg`)).statusCode).toBe(200);
    // The grant is for this link only.
    const other = await shareAlbum({ password: PASSWORD });
    expect((await visitor.get(`/s/${other.token}/`)).body).toContain('This shared album is protected');
  });

  it('expired and revoked album links are the same 404 as unknown ones', async () => {
    const expired = await shareAlbum({ expires_in: '1' });
    await t.db.updateTable('share_links').set({ expires_at: Date.now() - 1 }).where('id', '=', await shareIdOf(t, expired.token)).execute();
    expectNotFound(await anonymousClient(t).get(`/s/${expired.token}/`));
    expectNotFound(await anonymousClient(t).get(`/s/${expired.token}/photos/${photos[0]}/media/thumb.jpg`));

    const revoked = await shareAlbum();
    const shareId = await shareIdOf(t, revoked.token);
    const answer = await owner.submit(`/albums/${albumId}/`, {}, `/albums/${albumId}/shares/${shareId}/revoke/`);
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe(`/albums/${albumId}/#share-links`);
    expectNotFound(await anonymousClient(t).get(`/s/${revoked.token}/`));
    expectNotFound(await anonymousClient(t).get(`/s/${revoked.token}/photos/${photos[0]}/`));
    expect((await owner.get(`/albums/${albumId}/`)).body).toMatch(new RegExp(`data-share-id="${shareId}">[\\s\\S]*?Revoked`));
  });

  it('a photo taken out of the album, or a deleted album, is no longer reachable through the link', async () => {
    const id = await createAlbum(owner, 'Short-lived share');
    await postPhotos(owner, id, '/albums/:id/photos/', [photos[0]!, photos[1]!]);
    const { token } = await shareAlbum({}, id);
    await postPhotos(owner, id, '/albums/:id/photos/remove/', [photos[0]!]);
    expectNotFound(await anonymousClient(t).get(`/s/${token}/photos/${photos[0]}/media/thumb.jpg`));
    expect((await anonymousClient(t).get(`/s/${token}/photos/${photos[1]}/media/thumb.jpg`)).statusCode).toBe(200);
    expect((await owner.submit(`/albums/${id}/delete/`, {})).statusCode).toBe(303);
    expectNotFound(await anonymousClient(t).get(`/s/${token}/`));
  });

  it('counts views of the album page, and refuses a bad expiry or a short password', async () => {
    const { token } = await shareAlbum();
    await anonymousClient(t).get(`/s/${token}/`);
    await anonymousClient(t).get(`/s/${token}/photos/${photos[0]}/`);
    const row = await t.db.selectFrom('share_links').select(['views', 'album_id', 'photo_id']).where('id', '=', await shareIdOf(t, token)).executeTakeFirstOrThrow();
    expect(row).toEqual({ views: 1, album_id: albumId, photo_id: null });
    expect((await shareAlbum({ expires_in: '365' })).response.statusCode).toBe(400);
    const weak = await shareAlbum({ password: 'short' });
    expect(weak.response.statusCode).toBe(400);
    expect(weak.token).toBe('');
  });
});

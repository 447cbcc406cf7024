import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import type { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { anonymousClient, createShare, expectNotFound, expectShareHeaders, shareIdOf, signedInClient, uploadReadyPhoto } from './share-fixtures.js';

describe.each(DIALECTS)('share links, public side (%s)', (dialect) => {
  let t: TestApp;
  let owner: TestClient;
  let photoId: string;
  let otherPhotoId: string;
  let token: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    owner = await signedInClient(t, 'public_owner');
    otherPhotoId = await uploadReadyPhoto(t, owner, 'The other photo, never shared');
    photoId = await uploadReadyPhoto(t, owner);
    const edit = await owner.submit(`/photos/${photoId}/`, { title: '<script>alert(1)</script> Beach', alt_text: 'Waves "and" sand', caption: '{{7*6}} at dusk' }, `/photos/${photoId}/edit/`);
    expect(edit.statusCode).toBe(303);
    ({ token } = await createShare(owner, photoId));
    expect(token).not.toBe('');
  });
  afterAll(() => t.close());

  it('shows the photo to anyone with the link, its texts escaped', async () => {
    const page = await anonymousClient(t).get(`/s/${token}/`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectShareHeaders(page);
    expect(page.body).toContain('<h1>&lt;script>alert(1)&lt;/script> Beach</h1>');
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('{{7*6}} at dusk');
    expect(page.body).toContain('alt="Waves &quot;and&quot; sand"');
    expect(page.body).toContain(`src="/s/${token}/media/display.jpg"`);
    expect(page.body).not.toContain('.webp');
    expect(page.body).toContain('<meta name="referrer" content="same-origin"/>');
  });

  it("reveals nothing else of the owner's: no username, email, other photos, ids or file names", async () => {
    const page = await anonymousClient(t).get(`/s/${token}/`);
    for (const secret of ['public_owner', 'public_owner@example.com', otherPhotoId, 'The other photo', photoId, 'holiday-secret-name', '/photos/', 'original']) {
      expect(page.body, secret).not.toContain(secret);
    }
  });

  it('redirects /s/<token> to /s/<token>/', async () => {
    const response = await anonymousClient(t).get(`/s/${token}`);
    expect(response.statusCode).toBe(308);
    expect(response.headers.location).toBe(`/s/${token}/`);
    expect(response.headers['referrer-policy']).toBe('same-origin');
  });

  it('serves the display and thumbnail variants as images with nosniff and a same-origin referrer policy', async () => {
    const anonymous = anonymousClient(t);
    for (const [variant, type] of [
      ['display.jpg', 'image/jpeg'],
      ['thumb.jpg', 'image/jpeg'],
    ] as const) {
      const media = await anonymous.get(`/s/${token}/media/${variant}`);
      expect(media.statusCode, variant).toBe(200);
      expect(media.headers['content-type']).toBe(type);
      expect(media.headers['x-content-type-options']).toBe('nosniff');
      expect(media.headers['content-disposition']).toMatch(/^inline; filename="[a-z]+-[0-9a-f]{32}\.(webp|jpg)"$/);
      expectShareHeaders(media);
      expect(media.rawPayload.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    }
  });

  it('redirects the retired WebP names to the JPEG under the same link, and only for a link that opens', async () => {
    const anonymous = anonymousClient(t);
    for (const [variant, jpeg] of [
      ['display.webp', 'display.jpg'],
      ['thumb.webp', 'thumb.jpg'],
    ] as const) {
      const media = await anonymous.get(`/s/${token}/media/${variant}`);
      expect(media.statusCode, variant).toBe(301);
      expect(media.headers.location).toBe(jpeg);
      expect(media.headers['cache-control']).toMatch(/private/);
    }
    expect((await anonymous.get(`/s/${'0'.repeat(43)}/media/thumb.webp`)).statusCode).toBe(404);
  });

  it('never serves the original or anything that is not a fixed variant', async () => {
    const anonymous = anonymousClient(t);
    for (const variant of ['original', 'display.png', '..%2F..%2Foriginal', 'thumb.webp%00', 'DISPLAY.JPG', '']) {
      expectNotFound(await anonymous.get(`/s/${token}/media/${variant}`));
    }
    // The owner's own media route still refuses strangers.
    expect((await anonymous.get(`/photos/${photoId}/media/display.jpg`)).statusCode).toBe(303);
  });

  it('counts page views, not media requests', async () => {
    const { token: counted } = await createShare(owner, photoId);
    const id = await shareIdOf(t, counted);
    const viewer = anonymousClient(t);
    await viewer.get(`/s/${counted}/`);
    await viewer.get(`/s/${counted}/`);
    await viewer.get(`/s/${counted}/media/display.jpg`);
    const row = await t.db.selectFrom('share_links').select('views').where('id', '=', id).executeTakeFirstOrThrow();
    expect(Number(row.views)).toBe(2);
    const page = await owner.get(`/photos/${photoId}/`);
    expect(page.body).toMatch(new RegExp(`data-share-id="${id}">(?:<td[^>]*>[^<]*</td>){3}<td[^>]*>Active</td><td[^>]*>2</td>`));
  });

  it('answers unknown and malformed tokens with the same 404', async () => {
    const anonymous = anonymousClient(t);
    const unknown = 'A'.repeat(43);
    const paths = [
      `/s/${unknown}/`,
      `/s/${unknown}/media/display.jpg`,
      `/s/${token.slice(0, 42)}/`,
      `/s/${token}A/`,
      `/s/${token.slice(0, 42)}!/`,
      `/s/${token.slice(0, 42)}%2F/`,
      `/s/${token.slice(0, 42)}=/`,
      `/s/${token.slice(0, 40)}%20%20%20/`,
      // `/s/../` and `/s/%2E%2E/` are dot segments, resolved to `/` before they are even sent.
      '/s/..%5C/',
      '/s/..%2F/',
      '/s/..%2F..%2Fphotos/',
      `/s/${'a'.repeat(150)}/`,
      '/s/%3Cscript%3E/',
      '/s//',
    ];
    for (const path of paths) {
      const response = await anonymous.get(path);
      expect(response.statusCode, path).toBe(404);
      expectNotFound(response);
    }
    // Past the router's 200-character parameter limit the app refuses every path alike, before routing.
    const tooLong = await anonymous.get(`/s/${'a'.repeat(5000)}/`);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toContain('The address is malformed.');
  });

  it('answers an expired link with 404, and lists it as expired', async () => {
    const { token: expiring } = await createShare(owner, photoId);
    const id = await shareIdOf(t, expiring);
    expect((await anonymousClient(t).get(`/s/${expiring}/`)).statusCode).toBe(200);
    await t.db.updateTable('share_links').set({ expires_at: Date.now() - 1 }).where('id', '=', id).execute();
    const anonymous = anonymousClient(t);
    expectNotFound(await anonymous.get(`/s/${expiring}/`));
    expectNotFound(await anonymous.get(`/s/${expiring}/media/display.jpg`));
    const page = await owner.get(`/photos/${photoId}/`);
    expect(page.body).toMatch(new RegExp(`data-share-id="${id}">[\\s\\S]*?Expired`));
    expect(page.body).not.toContain(`/shares/${id}/revoke/`);
  });

  it('answers 404 once the photo is no longer ready', async () => {
    const photo = await uploadReadyPhoto(t, owner);
    const { token: link } = await createShare(owner, photo);
    expect((await anonymousClient(t).get(`/s/${link}/media/thumb.jpg`)).statusCode).toBe(200);
    await t.db.updateTable('photos').set({ status: 'held' }).where('id', '=', photo).execute();
    expectNotFound(await anonymousClient(t).get(`/s/${link}/`));
    expectNotFound(await anonymousClient(t).get(`/s/${link}/media/thumb.jpg`));
  });

  it('answers 404 once the photo is deleted, and the link rows go with it', async () => {
    const photo = await uploadReadyPhoto(t, owner);
    const { token: link } = await createShare(owner, photo);
    expect((await anonymousClient(t).get(`/s/${link}/`)).statusCode).toBe(200);
    const deleted = await owner.submit(`/photos/${photo}/`, {}, `/photos/${photo}/delete/`);
    expect(deleted.statusCode).toBe(303);
    expectNotFound(await anonymousClient(t).get(`/s/${link}/`));
    expectNotFound(await anonymousClient(t).get(`/s/${link}/media/display.jpg`));
    expect(await t.db.selectFrom('share_links').select('id').where('photo_id', '=', photo).execute()).toEqual([]);
  });

  it('shows a signed-in stranger the photo, but nothing of the owner', async () => {
    const stranger = await signedInClient(t, 'public_stranger');
    const page = await stranger.get(`/s/${token}/`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('public_stranger');
    expect(page.body).not.toContain('public_owner');
    expect((await stranger.get(`/photos/${photoId}/`)).statusCode).toBe(404);
  });
});

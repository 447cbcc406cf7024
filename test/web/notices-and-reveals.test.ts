import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import type { TestClient } from '../support/client.js';
import { photoIdFrom, smallJpeg, uploadForm } from '../support/photos.js';
import { createShare, signedInClient, uploadReadyPhoto } from '../shares/share-fixtures.js';

// One-time messages after actions, a new share link carried across POST → redirect → GET, the pages
// that ask before deleting or keep a half-typed title safe, and the favicon: happy paths and what a
// planted, tampered or replayed cookie gets.
describe('notices, one-time reveals and the small pages', () => {
  let t: TestApp;
  let owner: TestClient;
  let other: TestClient;
  let photoA: string;
  let photoB: string;

  beforeAll(async () => {
    t = await createTestApp('sqlite', { MODERATION_ENABLED: 'false' });
    owner = await signedInClient(t, 'notice_owner');
    other = await signedInClient(t, 'notice_other');
    photoA = await uploadReadyPhoto(t, owner, 'Photo A');
    photoB = await uploadReadyPhoto(t, owner, 'Photo B');
  });
  afterAll(() => t.close());

  it('shows "Details saved." once after saving, and nothing on the next visit', async () => {
    const saved = await owner.submit(`/photos/${photoA}/`, { title: 'Photo A', alt_text: '', caption: 'kept' }, `/photos/${photoA}/edit/`);
    expect(saved.statusCode).toBe(303);
    expect(String(saved.headers['set-cookie'])).toMatch(/^pv_notice=photo_saved; Max-Age=60; Path=\/; HttpOnly; SameSite=Lax/);
    const first = await owner.get(`/photos/${photoA}/`);
    expect(first.body).toContain('<p class="notice" role="status">Details saved.</p>');
    expect(String(first.headers['set-cookie'])).toMatch(/^pv_notice=; Max-Age=0/);
    expect((await owner.get(`/photos/${photoA}/`)).body).not.toContain('role="status">Details saved.');
  });

  it('shows nothing for a planted notice cookie that is not one of its messages, and clears it', async () => {
    for (const planted of ['<script>alert(1)</script>', 'constructor', '__proto__', 'toString', 'x'.repeat(3000)]) {
      owner.cookies.set('pv_notice', encodeURIComponent(planted));
      const page = await owner.get('/photos/');
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('role="status"');
      expect(page.body).not.toContain('<script>alert(1)');
      expect(owner.cookies.has('pv_notice')).toBe(false);
    }
  });

  it('draws a gallery notice fresh and the cached gallery without it afterwards', async () => {
    owner.cookies.set('pv_notice', 'photo_deleted');
    expect((await owner.get('/photos/')).body).toContain('role="status">Photo deleted for good.</p>');
    const again = await owner.get('/photos/');
    expect(again.body).not.toContain('role="status"');
    expect(again.body).toContain(`/photos/${photoA}/`);
  });

  it('reveals a new link only on its own photo page: not on another photo, not tampered, not after revoking', async () => {
    const created = await owner.submit(`/photos/${photoA}/`, { expires_in: '7', password: '' }, `/photos/${photoA}/shares/`);
    expect(created.statusCode).toBe(303);
    const sealed = owner.cookies.get('pv_reveal');
    expect(sealed).toMatch(/^[A-Za-z0-9_-]{40,}$/);

    // The sealed cookie replayed to another photo's page shows nothing there.
    expect((await owner.get(`/photos/${photoB}/`)).body).not.toContain('id="id_new_share_link"');
    // Tampered: one character changed.
    const flipped = sealed!.slice(0, 20) + (sealed![20] === 'A' ? 'B' : 'A') + sealed!.slice(21);
    owner.cookies.set('pv_reveal', flipped);
    expect((await owner.get(`/photos/${photoA}/`)).body).not.toContain('id="id_new_share_link"');
    for (const junk of ['', '%00', 'not-base64!', 'A'.repeat(5000)]) {
      owner.cookies.set('pv_reveal', junk);
      const page = await owner.get(`/photos/${photoA}/`);
      expect(page.statusCode).toBe(200);
      expect(page.body).not.toContain('id="id_new_share_link"');
    }

    // Another user cannot see the owner's link with the owner's sealed cookie on a photo of their own.
    const theirs = await uploadReadyPhoto(t, other, 'Theirs');
    other.cookies.set('pv_reveal', sealed!);
    expect((await other.get(`/photos/${theirs}/`)).body).not.toContain('id="id_new_share_link"');

    // The genuine cookie, once its link is revoked, reveals nothing.
    const { token } = await createShare(owner, photoA);
    expect(token).not.toBe('');
    const second = await owner.submit(`/photos/${photoA}/`, { expires_in: '7', password: '' }, `/photos/${photoA}/shares/`);
    expect(second.statusCode).toBe(303);
    const pending = owner.cookies.get('pv_reveal')!;
    const rows = await t.db.selectFrom('share_links').select('id').where('photo_id', '=', photoA).orderBy('created_at', 'desc').execute();
    for (const row of rows) await owner.submit(`/photos/${photoA}/`, {}, `/photos/${photoA}/shares/${row.id}/revoke/`);
    owner.cookies.set('pv_reveal', pending);
    const afterRevoke = await owner.get(`/photos/${photoA}/`);
    expect(afterRevoke.body).not.toContain('id="id_new_share_link"');
  });

  it('shows "Share link revoked" after revoking', async () => {
    await createShare(owner, photoB);
    const row = await t.db.selectFrom('share_links').select('id').where('photo_id', '=', photoB).where('revoked_at', '=', 0).executeTakeFirstOrThrow();
    const revoked = await owner.submit(`/photos/${photoB}/`, {}, `/photos/${photoB}/shares/${row.id}/revoke/`);
    expect(revoked.statusCode).toBe(303);
    expect((await owner.get(`/photos/${photoB}/`)).body).toContain('Share link revoked: it no longer opens anything.');
  });

  it('asks before deleting: the confirmation page posts to the delete route; nobody else gets it', async () => {
    const confirm = await owner.get(`/photos/${photoB}/delete/`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.headers['cache-control']).toMatch(/no-store/);
    expect(confirm.body).toContain('Delete “Photo B”?');
    expect(confirm.body).toMatch(new RegExp(`<form method="post" action="/photos/${photoB}/delete/"[^>]*><input type="hidden" name="_csrf"`));
    expect((await owner.get(`/photos/${photoB}/`)).body).toContain(`href="/photos/${photoB}/delete/"`);
    expect((await other.get(`/photos/${photoB}/delete/`)).statusCode).toBe(404);
    expect((await other.get(`/photos/${photoB}/edit/`)).statusCode).toBe(404);
    expect((await owner.get('/photos/not-an-id/delete/')).statusCode).toBe(404);
    const deleted = await owner.submit(`/photos/${photoB}/delete/`, {});
    expect(deleted.statusCode).toBe(303);
    expect((await owner.get('/photos/')).body).toContain('Photo deleted for good.');
    expect((await owner.get(`/photos/${photoB}/`)).statusCode).toBe(404);
  });

  it('keeps the details form off the self-refreshing processing page, on a page of its own', async () => {
    const response = await uploadForm(owner, await smallJpeg(320, 240));
    const id = photoIdFrom(response.headers.location);
    const processing = await owner.get(`/photos/${id}/`);
    expect(processing.body).toMatch(/<meta http-equiv="refresh" content="2"/);
    expect(processing.body).not.toContain(`action="/photos/${id}/edit/"`);
    expect(processing.body).toContain(`href="/photos/${id}/edit/"`);
    const edit = await owner.get(`/photos/${id}/edit/`);
    expect(edit.statusCode).toBe(200);
    expect(edit.body).not.toContain('http-equiv="refresh"');
    expect(edit.body).toContain(`action="/photos/${id}/edit/"`);
    await t.app.jobWorker.drain();
  });

  it('redirects the anonymous to log in from the new pages', async () => {
    const anonymous = await t.app.inject({ method: 'GET', url: `/photos/${photoA}/edit/` });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe(`/accounts/login/?next=%2Fphotos%2F${photoA}%2Fedit%2F`);
  });

  it('serves a favicon, public and cacheable', async () => {
    const icon = await t.app.inject({ method: 'GET', url: '/favicon.ico' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    expect(icon.headers['cache-control']).toMatch(/public, max-age=86400/);
    expect(icon.rawPayload.subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { anonymousClient, createShare, createShareOn, expectNotFound, NO_STORE, signedInClient, uploadReadyPhoto } from '../shares/share-fixtures.js';
import { createAlbum, postForm, postPhotos, tileIds } from '../albums/album-fixtures.js';

describe.each(DIALECTS)('the Trash pages (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let bobPhoto: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false', TRASH_RETENTION_DAYS: '7' });
    alice = await signedInClient(t, 'trash_alice');
    bob = await signedInClient(t, 'trash_bob');
    bobPhoto = await uploadReadyPhoto(t, bob, 'Bob private');
  });
  afterAll(() => t.close());

  const trashedAt = async (id: string) => (await t.db.selectFrom('photos').select('trashed_at').where('id', '=', id).executeTakeFirst())?.trashed_at;
  const trashPhoto = async (client: TestClient, id: string) => client.post(`/photos/${id}/trash/`, { _csrf: await client.csrfFrom('/photos/') });

  it('moves a photo to the Trash from its page without confirmation, with a notice linking to the Trash', async () => {
    const id = await uploadReadyPhoto(t, alice, 'Harbour at dawn');
    const page = await alice.get(`/photos/${id}/`);
    expect(page.body).toMatch(new RegExp(`<form method="post" action="/photos/${id}/trash/" class="inline-form"><input type="hidden" name="_csrf"`));
    expect(page.body).toContain('<a href="/photos/trash/">Trash</a>');
    const moved = await alice.submit(`/photos/${id}/`, {}, `/photos/${id}/trash/`);
    expect(moved.statusCode).toBe(303);
    expect(moved.headers.location).toBe('/photos/');
    const gallery = await alice.get('/photos/');
    expect(gallery.body).toContain('Moved to the Trash.');
    expect(gallery.body).toContain('<a href="/photos/trash/">Restore it from the Trash</a>');
    expect(gallery.body).not.toContain(`/photos/${id}/`);
    expect((await alice.get(`/photos/${id}/`)).statusCode).toBe(404);
    expect((await alice.get(`/photos/${id}/edit/`)).statusCode).toBe(404);

    const trash = await alice.get('/photos/trash/');
    expect(trash.statusCode).toBe(200);
    expect(trash.headers['cache-control']).toBe(NO_STORE);
    expect(trash.body).toContain('Harbour at dawn');
    expect(trash.body).toContain(`action="/photos/${id}/restore/"`);
    expect(trash.body).toContain(`href="/photos/${id}/delete/"`);
    expect(trash.body).toContain('deleted for good 7 days after');
    const purge = new Date(Number(await trashedAt(id)) + 7 * 86_400_000).toISOString();
    expect(trash.body).toContain(`datetime="${purge}"`);
    // The owner still sees the thumbnail there.
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
  });

  it('restores a photo with a notice, back in the gallery; restoring again or a library photo is a 404', async () => {
    const id = await uploadReadyPhoto(t, alice, 'Restore me');
    expect((await trashPhoto(alice, id)).statusCode).toBe(303);
    const restored = await alice.submit('/photos/trash/', {}, `/photos/${id}/restore/`);
    expect(restored.statusCode).toBe(303);
    expect(restored.headers.location).toBe('/photos/trash/');
    expect((await alice.get('/photos/trash/')).body).toContain('Restored: the photo is back in your library.');
    expect(await trashedAt(id)).toBeNull();
    expect((await alice.get(`/photos/${id}/`)).statusCode).toBe(200);
    expect((await alice.submit('/photos/trash/', {}, `/photos/${id}/restore/`)).statusCode).toBe(404);
  });

  it('is owner-only and hostile-proof: another user’s photo, unknown and malformed ids, trashing twice, missing CSRF', async () => {
    expect((await trashPhoto(alice, bobPhoto)).statusCode).toBe(404);
    expect(await trashedAt(bobPhoto)).toBeNull();
    expect((await trashPhoto(alice, randomBytes(16).toString('hex'))).statusCode).toBe(404);
    for (const bad of ['..%2F..%2Fetc', 'ABC', "1'%20OR%20'1'='1", 'x'.repeat(300)]) {
      expect((await alice.post(`/photos/${bad}/trash/`, { _csrf: await alice.csrfFrom('/photos/') })).statusCode, bad).toBeGreaterThanOrEqual(400);
      expect((await alice.post(`/photos/${bad}/trash/`, { _csrf: await alice.csrfFrom('/photos/') })).statusCode, bad).toBeLessThan(500);
    }
    const id = await uploadReadyPhoto(t, alice);
    expect((await alice.post(`/photos/${id}/trash/`, {})).statusCode).toBe(403);
    expect((await alice.post(`/photos/${id}/trash/`, { _csrf: 'forged' })).statusCode).toBe(403);
    expect(await trashedAt(id)).toBeNull();
    expect((await trashPhoto(alice, id)).statusCode).toBe(303);
    expect((await trashPhoto(alice, id)).statusCode).toBe(404);
    // Bob can neither restore nor delete it, nor see it in his Trash, nor its media.
    expect((await bob.post(`/photos/${id}/restore/`, { _csrf: await bob.csrfFrom('/photos/') })).statusCode).toBe(404);
    expect((await bob.post(`/photos/${id}/delete/`, { _csrf: await bob.csrfFrom('/photos/') })).statusCode).toBe(404);
    expect((await bob.get(`/photos/${id}/delete/`)).statusCode).toBe(404);
    expect((await bob.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
    expect((await bob.get('/photos/trash/')).body).not.toContain(id);
    expect((await alice.post(`/photos/${id}/restore/`, {})).statusCode).toBe(403);
    expect(Number(await trashedAt(id))).toBeGreaterThan(0);
    // Anonymous visitors are sent to log in.
    const anonymous = await t.app.inject({ url: '/photos/trash/' });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/accounts/login/?next=%2Fphotos%2Ftrash%2F');
  });

  it('trashes the gallery selection together, and nothing when one photo is someone else’s', async () => {
    const [a, b] = [await uploadReadyPhoto(t, alice), await uploadReadyPhoto(t, alice)];
    const gallery = await alice.get('/photos/');
    expect(gallery.body).toContain('formaction="/photos/trash/"');
    const csrf = await alice.csrfFrom('/photos/');
    const refused = await postForm(alice, '/photos/trash/', [['_csrf', csrf], ['photo', a], ['photo', bobPhoto], ['photo', b]]);
    expect(refused.statusCode).toBe(404);
    expect([await trashedAt(a), await trashedAt(b), await trashedAt(bobPhoto)]).toEqual([null, null, null]);
    expect((await postForm(alice, '/photos/trash/', [['_csrf', csrf]])).statusCode).toBe(400);
    expect((await postForm(alice, '/photos/trash/', [['_csrf', csrf], ['photo', 'not-an-id']])).statusCode).toBe(400);
    expect((await postForm(alice, '/photos/trash/', [['_csrf', csrf], ...Array.from({ length: 101 }, () => ['photo', randomBytes(16).toString('hex')] as const)])).statusCode).toBe(400);
    expect((await postForm(alice, '/photos/trash/', [['photo', a]])).statusCode).toBe(403);
    const moved = await postForm(alice, '/photos/trash/', [['_csrf', csrf], ['photo', a], ['photo', b], ['photo', a]]);
    expect(moved.statusCode).toBe(303);
    expect((await alice.get('/photos/')).body).toContain('The selected photos were moved to the Trash.');
    expect(Number(await trashedAt(a))).toBeGreaterThan(0);
    expect(Number(await trashedAt(b))).toBeGreaterThan(0);
  });

  it('takes a trashed photo out of its albums and share links (404 like a revoked link) until restored', async () => {
    const [inAlbum, other] = [await uploadReadyPhoto(t, alice, 'Album member'), await uploadReadyPhoto(t, alice, 'Stays')];
    const albumId = await createAlbum(alice, 'Holiday');
    expect((await postPhotos(alice, albumId, '/albums/:id/photos/', [inAlbum, other])).statusCode).toBe(303);
    const photoLink = await createShare(alice, inAlbum);
    const albumLink = await createShareOn(alice, `/albums/${albumId}/`);
    const visitor = anonymousClient(t);
    expect((await visitor.get(`/s/${photoLink.token}/`)).statusCode).toBe(200);
    expect((await visitor.get(`/s/${photoLink.token}/media/thumb.jpg`)).statusCode).toBe(200);
    expect((await visitor.get(`/s/${albumLink.token}/`)).body).toContain('Album member');

    expect((await trashPhoto(alice, inAlbum)).statusCode).toBe(303);
    expect(tileIds((await alice.get(`/albums/${albumId}/`)).body)).toEqual([other]);
    expect((await alice.get('/albums/')).body).toMatch(/1 photo\b/);
    expectNotFound(await visitor.get(`/s/${photoLink.token}/`));
    expectNotFound(await visitor.get(`/s/${photoLink.token}/media/thumb.jpg`));
    const shared = await visitor.get(`/s/${albumLink.token}/`);
    expect(shared.statusCode).toBe(200);
    expect(shared.body).not.toContain('Album member');
    expectNotFound(await visitor.get(`/s/${albumLink.token}/photos/${inAlbum}/`));
    // A trashed photo cannot be shared or added to an album meanwhile.
    expect((await postPhotos(alice, albumId, '/albums/:id/photos/', [inAlbum])).statusCode).toBe(404);

    expect((await alice.submit('/photos/trash/', {}, `/photos/${inAlbum}/restore/`)).statusCode).toBe(303);
    expect(tileIds((await alice.get(`/albums/${albumId}/`)).body)).toEqual([inAlbum, other]);
    expect((await visitor.get(`/s/${photoLink.token}/`)).statusCode).toBe(200);
  });

  it('deletes one trashed photo for good after a confirmation, and empties the Trash after another', async () => {
    const [one, two, three] = [await uploadReadyPhoto(t, alice), await uploadReadyPhoto(t, alice), await uploadReadyPhoto(t, alice)];
    for (const id of [one, two, three]) expect((await trashPhoto(alice, id)).statusCode).toBe(303);
    const confirm = await alice.get(`/photos/${one}/delete/`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('<a href="/photos/trash/">Cancel</a>');
    const deleted = await alice.submit(`/photos/${one}/delete/`, {});
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe('/photos/trash/');
    expect(await trashedAt(one)).toBeUndefined();

    const before = Number((await t.db.selectFrom('photos').select((eb) => eb.fn.countAll<number>().as('n')).where('id', '=', bobPhoto).executeTakeFirstOrThrow()).n);
    const ask = await alice.get('/photos/trash/empty/');
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toMatch(/The \d+ photos in the Trash/);
    expect(ask.body).toContain('<form method="post" action="/photos/trash/empty/" class="actions"><input type="hidden" name="_csrf"');
    expect((await alice.post('/photos/trash/empty/', {})).statusCode).toBe(403);
    expect(await trashedAt(two)).not.toBeUndefined();
    const emptied = await alice.submit('/photos/trash/empty/', {});
    expect(emptied.statusCode).toBe(303);
    const page = await alice.get('/photos/trash/');
    expect(page.body).toContain('The Trash was emptied');
    expect(page.body).toContain('The Trash is empty.');
    expect(await trashedAt(two)).toBeUndefined();
    expect(await trashedAt(three)).toBeUndefined();
    expect((await alice.get(`/photos/${two}/media/thumb.jpg`)).statusCode).toBe(404);
    // Bob's photos are untouched.
    expect(before).toBe(1);
    expect(await trashedAt(bobPhoto)).toBeNull();
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { extractCsrf, TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { NO_STORE, signedInClient, uploadReadyPhoto } from '../shares/share-fixtures.js';
import { createAlbum, postForm, postPhotos, tileIds } from './album-fixtures.js';

describe.each(DIALECTS)('album pages (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let photos: string[];
  let bobPhoto: string;

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    alice = await signedInClient(t, 'album_alice');
    bob = await signedInClient(t, 'album_bob');
    photos = [await uploadReadyPhoto(t, alice, 'Harbour'), await uploadReadyPhoto(t, alice, 'Lighthouse'), await uploadReadyPhoto(t, alice, 'Dunes')];
    bobPhoto = await uploadReadyPhoto(t, bob, 'Bob secret sunset');
  });
  afterAll(() => t.close());

  async function countAlbums(): Promise<number> {
    return Number((await t.db.selectFrom('albums').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  }

  it('sends anonymous visitors to the login page, and API clients a 401', async () => {
    const page = await t.app.inject({ url: '/albums/' });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/accounts/login/?next=%2Falbums%2F');
    expect((await t.app.inject({ url: '/albums/', headers: { accept: 'application/json' } })).statusCode).toBe(401);
  });

  it('creates an album from the form and redirects to its page, never cached, with an Albums link in the nav', async () => {
    const list = await alice.get('/albums/');
    expect(list.statusCode).toBe(200);
    expect(list.headers['cache-control']).toBe(NO_STORE);
    expect(list.body).toContain('<a href="/albums/">Albums</a>');
    expect(list.body).toMatch(/<form method="post" action="\/albums\/"><input type="hidden" name="_csrf"/);
    const id = await createAlbum(alice, '  Summer <script>alert(1)</script>  ');
    const page = await alice.get(`/albums/${id}/`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe(NO_STORE);
    expect(page.body).toContain('<h1>Summer &lt;script>alert(1)&lt;/script></h1>');
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('This album has no photos yet.');
    expect((await alice.get('/albums/')).body).toContain(`href="/albums/${id}/"`);
  });

  it('refuses bad names with the form and a message, and makes no album', async () => {
    const before = await countAlbums();
    for (const [name, message] of [
      ['', 'Enter a name for the album.'],
      ['   ', 'Enter a name for the album.'],
      ['x'.repeat(101), 'at most 100 characters'],
      ['evil\u202Egnp.exe', 'control or text-direction characters'],
      ['two\nlines', 'control or text-direction characters'],
    ] as const) {
      const response = await alice.submit('/albums/', { name });
      expect(response.statusCode, JSON.stringify(name)).toBe(400);
      expect(response.body).toContain(message);
      expect(response.body).toContain('id="album-name-errors"');
    }
    expect((await alice.submit('/albums/', { name: 'x'.repeat(9000) })).statusCode).toBe(400);
    expect(await countAlbums()).toBe(before);
  });

  it('refuses every album form without its CSRF token', async () => {
    const id = await createAlbum(alice, 'CSRF target');
    for (const [url, form] of [
      ['/albums/', { name: 'Forged' }],
      [`/albums/${id}/photos/`, { photo: photos[0]! }],
      [`/albums/${id}/photos/remove/`, { photo: photos[0]! }],
      [`/albums/${id}/cover/`, { photo: photos[0]! }],
      [`/albums/${id}/rename/`, { name: 'Forged' }],
      [`/albums/${id}/delete/`, {}],
      [`/albums/${id}/shares/`, { expires_in: '7', password: '' }],
      ['/albums/add/', { album: id, photo: photos[0]! }],
      ['/albums/selection/', { photo: photos[0]! }],
    ] as const) {
      const response = await alice.post(url, form);
      expect(response.statusCode, url).toBe(403);
    }
    const page = await alice.get(`/albums/${id}/`);
    expect(page.body).toContain('<h1>CSRF target</h1>');
    expect(tileIds(page.body)).toEqual([]);
  });

  it('adds photos (repeated photo field) and shows only ready ones, in the order added', async () => {
    const id = await createAlbum(alice, 'Coast');
    const queued = randomBytes(16).toString('hex');
    const aliceId = (await t.db.selectFrom('users').select('id').where('username_key', '=', 'album_alice').executeTakeFirstOrThrow()).id;
    await t.db.insertInto('photos').values({ id: queued, owner_id: aliceId, status: 'queued', title: 'Still processing', created_at: Date.now() }).execute();
    const added = await postPhotos(alice, id, '/albums/:id/photos/', [photos[1]!, photos[0]!, queued, photos[1]!]);
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe(`/albums/${id}/`);
    const page = await alice.get(`/albums/${id}/`);
    expect(tileIds(page.body)).toEqual([photos[1], photos[0]]);
    expect(page.body).toContain('2 photos');
    expect(page.body).not.toContain('Still processing');
    expect(page.body).toContain(`src="/photos/${photos[1]}/media/thumb.jpg"`);
  });

  it("answers 404 for someone else's album on every route, and changes nothing", async () => {
    const id = await createAlbum(alice, 'Alice only');
    await postPhotos(alice, id, '/albums/:id/photos/', [photos[0]!]);
    const bobCsrf = await bob.csrfFrom('/albums/');
    const attempts = [
      bob.get(`/albums/${id}/`),
      bob.get(`/albums/${id}/delete/`),
      postForm(bob, `/albums/${id}/photos/`, [['_csrf', bobCsrf], ['photo', bobPhoto]]),
      postForm(bob, `/albums/${id}/photos/remove/`, [['_csrf', bobCsrf], ['photo', photos[0]!]]),
      postForm(bob, `/albums/${id}/cover/`, [['_csrf', bobCsrf], ['photo', photos[0]!]]),
      postForm(bob, `/albums/${id}/rename/`, [['_csrf', bobCsrf], ['name', 'Bob was here']]),
      postForm(bob, `/albums/${id}/delete/`, [['_csrf', bobCsrf]]),
      postForm(bob, `/albums/${id}/shares/`, [['_csrf', bobCsrf], ['expires_in', '7'], ['password', '']]),
      postForm(bob, '/albums/add/', [['_csrf', bobCsrf], ['album', id], ['photo', bobPhoto]]),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode, response.body.slice(0, 200)).toBe(404);
      expect(response.body).not.toContain('Alice only');
    }
    const page = await alice.get(`/albums/${id}/`);
    expect(page.body).toContain('<h1>Alice only</h1>');
    expect(tileIds(page.body)).toEqual([photos[0]]);
    // Malformed and unknown album ids are the same 404.
    for (const url of ['/albums/not-an-id/', `/albums/${'0'.repeat(32)}/`, `/albums/${id.toUpperCase()}/`]) expect((await alice.get(url)).statusCode).toBe(404);
  });

  it("refuses to put someone else's photo in your album (404, nothing added, nothing leaked)", async () => {
    const id = await createAlbum(bob, 'Bob album');
    const before = await bob.get(`/albums/${id}/`);
    const csrf = extractCsrf(before.body)!;
    for (const fields of [
      [['photo', photos[0]!]],
      [['photo', bobPhoto], ['photo', photos[0]!]],
      [['photo', randomBytes(16).toString('hex')]],
    ] as const) {
      const response = await postForm(bob, `/albums/${id}/photos/`, [['_csrf', csrf], ...fields]);
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('Harbour');
    }
    const viaCreate = await postForm(bob, '/albums/', [['_csrf', csrf], ['name', 'Sneaky'], ['photo', photos[0]!]]);
    expect(viaCreate.statusCode).toBe(404);
    expect(await t.db.selectFrom('albums').select('id').where('name', '=', 'Sneaky').execute()).toEqual([]);
    expect(tileIds((await bob.get(`/albums/${id}/`)).body)).toEqual([]);
    const cover = await postForm(bob, `/albums/${id}/cover/`, [['_csrf', csrf], ['photo', photos[0]!]]);
    expect(cover.statusCode).toBe(404);
  });

  it('refuses malformed, missing and too many photo ids with a 400', async () => {
    const id = await createAlbum(alice, 'Limits');
    const tooMany = Array.from({ length: 101 }, () => randomBytes(16).toString('hex'));
    for (const ids of [[], ['not-a-photo'], [photos[0]!.toUpperCase()], tooMany]) {
      const response = await postPhotos(alice, id, '/albums/:id/photos/', ids);
      expect(response.statusCode, String(ids.length)).toBe(400);
    }
    expect((await postPhotos(alice, id, '/albums/:id/photos/', [], [['photo', 'x'.repeat(9000)]])).statusCode).toBe(400);
    expect((await postPhotos(alice, id, '/albums/selection/', tooMany)).statusCode).toBe(400);
    expect((await postPhotos(alice, id, '/albums/selection/', [])).statusCode).toBe(400);
    expect(tileIds((await alice.get(`/albums/${id}/`)).body)).toEqual([]);
  });

  it('the gallery selects photos with checkboxes; the chooser creates an album with them or adds them to one', async () => {
    const gallery = await alice.get('/photos/');
    expect(gallery.body).toMatch(/<form method="post" action="\/albums\/selection\/" id="gallery-selection"[^>]*><input type="hidden" name="_csrf" value="[^"]+"\/>/);
    expect(gallery.body).toContain(`<input type="checkbox" name="photo" value="${photos[0]}" form="gallery-selection"`);
    const csrf = extractCsrf(gallery.body)!;
    const chooser = await postForm(alice, '/albums/selection/', [['_csrf', csrf], ['photo', photos[0]!], ['photo', photos[2]!]]);
    expect(chooser.statusCode).toBe(200);
    expect(chooser.headers['cache-control']).toBe(NO_STORE);
    expect(chooser.body).toContain('Add 2 photos to an album');
    expect(chooser.body).toContain(`<input type="hidden" name="photo" value="${photos[0]}"/>`);
    const existing = await createAlbum(alice, 'Existing one');
    const again = await postForm(alice, '/albums/selection/', [['_csrf', csrf], ['photo', photos[2]!]]);
    expect(again.body).toContain(`formaction="/albums/${existing}/photos/"`);

    const created = await postForm(alice, '/albums/', [['_csrf', csrf], ['name', 'From the gallery'], ['photo', photos[0]!], ['photo', photos[2]!]]);
    expect(created.statusCode).toBe(303);
    expect(tileIds((await alice.get(String(created.headers.location))).body)).toEqual([photos[0], photos[2]]);
    const refused = await postForm(alice, '/albums/', [['_csrf', csrf], ['name', ''], ['photo', photos[0]!]]);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('Enter a name for the album.');
    expect(refused.body).toContain(`<input type="hidden" name="photo" value="${photos[0]}"/>`);
  });

  it("adds a photo from its page through a select of the user's albums", async () => {
    const id = await createAlbum(alice, 'Picked on the photo page');
    const photoPage = await alice.get(`/photos/${photos[1]}/`);
    expect(photoPage.body).toContain('<form method="post" action="/albums/add/">');
    expect(photoPage.body).toContain(`<option value="${id}">Picked on the photo page</option>`);
    expect(photoPage.body).not.toContain('Bob album');
    const added = await postForm(alice, '/albums/add/', [['_csrf', extractCsrf(photoPage.body)!], ['album', id], ['photo', photos[1]!]]);
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe(`/albums/${id}/`);
    const after = await alice.get(`/photos/${photos[1]}/`);
    expect(after.body).toContain(`<a href="/albums/${id}/">Picked on the photo page</a>`);
    expect(after.body).not.toContain(`<option value="${id}">`);
  });

  it('makes a photo the cover, shows it in the list, and goes back to the first photo', async () => {
    const id = await createAlbum(alice, 'Covered');
    await postPhotos(alice, id, '/albums/:id/photos/', [photos[0]!, photos[1]!]);
    const listCover = async () => new RegExp(`href="/albums/${id}/" class="tile album-tile"><img src="/photos/([0-9a-f]{32})/media/thumb.jpg"`).exec((await alice.get('/albums/')).body)?.[1];
    expect(await listCover()).toBe(photos[0]);
    expect((await postPhotos(alice, id, '/albums/:id/cover/', [photos[1]!])).statusCode).toBe(303);
    expect(await listCover()).toBe(photos[1]);
    expect((await alice.get(`/albums/${id}/`)).body).toContain('Use the first photo as the cover');
    expect((await postPhotos(alice, id, '/albums/:id/cover/', [photos[2]!])).statusCode).toBe(404);
    expect((await postPhotos(alice, id, '/albums/:id/cover/', [''])).statusCode).toBe(303);
    expect(await listCover()).toBe(photos[0]);
  });

  it('removes a photo from the album without deleting it', async () => {
    const id = await createAlbum(alice, 'Removal');
    await postPhotos(alice, id, '/albums/:id/photos/', [photos[0]!, photos[1]!]);
    expect((await postPhotos(alice, id, '/albums/:id/photos/remove/', [photos[0]!])).statusCode).toBe(303);
    expect(tileIds((await alice.get(`/albums/${id}/`)).body)).toEqual([photos[1]]);
    expect((await alice.get(`/photos/${photos[0]}/`)).statusCode).toBe(200);
  });

  it('renames an album, and shows the error on a bad name', async () => {
    const id = await createAlbum(alice, 'Old name');
    const renamed = await alice.submit(`/albums/${id}/`, { name: 'New name' }, `/albums/${id}/rename/`);
    expect(renamed.statusCode).toBe(303);
    expect((await alice.get(`/albums/${id}/`)).body).toContain('<h1>New name</h1>');
    const refused = await alice.submit(`/albums/${id}/`, { name: '' }, `/albums/${id}/rename/`);
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('id="album-rename-errors"');
    expect((await alice.get(`/albums/${id}/`)).body).toContain('<h1>New name</h1>');
  });

  it('deletes an album after a confirmation page; its photos stay', async () => {
    const id = await createAlbum(alice, 'Doomed');
    await postPhotos(alice, id, '/albums/:id/photos/', [photos[0]!]);
    expect((await alice.get(`/albums/${id}/`)).body).toContain(`href="/albums/${id}/delete/"`);
    const confirm = await alice.get(`/albums/${id}/delete/`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Delete the album “Doomed”?');
    expect(confirm.body).toContain(`<form method="post" action="/albums/${id}/delete/">`);
    const deleted = await alice.submit(`/albums/${id}/delete/`, {});
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe('/albums/');
    expect((await alice.get(`/albums/${id}/`)).statusCode).toBe(404);
    expect((await alice.get(`/photos/${photos[0]}/`)).statusCode).toBe(200);
  });

  it('deleting a photo removes it from its albums', async () => {
    const doomed = await uploadReadyPhoto(t, alice, 'Short-lived');
    const id = await createAlbum(alice, 'Survivor');
    await postPhotos(alice, id, '/albums/:id/photos/', [doomed, photos[2]!]);
    expect((await alice.submit(`/photos/${doomed}/`, {}, `/photos/${doomed}/delete/`)).statusCode).toBe(303);
    const page = await alice.get(`/albums/${id}/`);
    expect(tileIds(page.body)).toEqual([photos[2]]);
    expect(page.body).toContain('1 photo');
  });
});

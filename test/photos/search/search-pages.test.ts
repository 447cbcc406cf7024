import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlbum, postPhotos } from '../../albums/album-fixtures.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { decodeEntities, expectProblem, fieldErrors } from '../../support/assertions.js';
import type { TestClient } from '../../support/client.js';
import { DIALECTS } from '../../support/databases.js';
import { NO_STORE, signedInClient, uploadReadyPhoto } from '../../shares/share-fixtures.js';

/** The photo ids of the gallery's tiles, in page order, with the query each tile link carries. */
function tileLinks(html: string): string[] {
  return [...html.matchAll(/<a href="\/photos\/([0-9a-f]{32})\/([^"]*)" class="tile">/g)].map((m) => `${m[1]!}${decodeEntities(m[2]!)}`);
}
const tiles = (html: string) => tileLinks(html).map((link) => link.slice(0, 32));
const linkOf = (html: string, id: string) => decodeEntities(new RegExp(`id="${id}" aria-label="[^"]*"|href="([^"]*)"[^>]*id="${id}"`).exec(html)?.[1] ?? '');

describe.each(DIALECTS)('search and the viewer in the pages (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let aliceId: string;
  let lighthouse: string;
  let harbour: string;
  let dunes: string;
  let bobSecret: string;

  const setTaken = (id: string, at: number | null) => t.db.updateTable('photos').set({ taken_at: at }).where('id', '=', id).execute();

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    alice = await signedInClient(t, 'search_alice');
    bob = await signedInClient(t, 'search_bob');
    aliceId = (await t.db.selectFrom('users').select('id').where('username', '=', 'search_alice').executeTakeFirstOrThrow()).id;
    lighthouse = await uploadReadyPhoto(t, alice, 'Lighthouse at dusk');
    harbour = await uploadReadyPhoto(t, alice, 'Harbour boats');
    dunes = await uploadReadyPhoto(t, alice, 'Dunes');
    bobSecret = await uploadReadyPhoto(t, bob, 'Lighthouse secret of Bob');
    await setTaken(lighthouse, Date.UTC(2019, 6, 14, 20));
    await setTaken(harbour, Date.UTC(2019, 6, 2, 9));
    await setTaken(dunes, Date.UTC(2018, 11, 31, 12));
  });
  afterAll(() => t.close());

  it('offers a GET search form on the gallery and finds the user’s own photos by title, with a count, months and links that keep the search', async () => {
    const gallery = await alice.get('/photos/');
    expect(gallery.body).toMatch(/<form method="get" action="\/photos\/" class="search-form" role="search"[^>]*>[\s\S]*name="q"[\s\S]*name="from" type="date"[\s\S]*name="to" type="date"[\s\S]*<\/form>/);
    const found = await alice.get('/photos/?q=lighthouse');
    expect(found.statusCode).toBe(200);
    expect(found.headers['cache-control']).toBe(NO_STORE);
    expect(found.body).toContain('<p class="search-count" id="search-count" role="status">1 photo found</p>');
    expect(tileLinks(found.body)).toEqual([`${lighthouse}?q=lighthouse`]);
    expect(found.body).toContain('<h2 id="month-2019-07">July 2019</h2>');
    expect(found.body).toContain('value="lighthouse"');
    expect(found.body).not.toContain('Bob');
    expect(tiles((await bob.get('/photos/?q=lighthouse')).body)).toEqual([bobSecret]);
    // The original file name, the caption and alt text are searched too.
    expect(tiles((await alice.get('/photos/?q=holiday-secret')).body).sort()).toEqual([lighthouse, harbour, dunes].sort());
    const csrf = await alice.csrfFrom(`/photos/${dunes}/`);
    expect((await alice.post(`/photos/${dunes}/edit/`, { _csrf: csrf, title: 'Dunes', alt_text: 'Sand ripples', caption: 'Windy afternoon' })).statusCode).toBe(303);
    expect(tiles((await alice.get('/photos/?q=ripples')).body)).toEqual([dunes]);
    expect(tiles((await alice.get('/photos/?q=windy+after')).body)).toEqual([dunes]);
  });

  it('bounds the results by date taken, and says so when nothing matches', async () => {
    const july = await alice.get('/photos/?q=&from=2019-07-01&to=2019-07-31');
    expect(july.body).toContain('2 photos found');
    expect(tileLinks(july.body)).toEqual([`${lighthouse}?from=2019-07-01&to=2019-07-31`, `${harbour}?from=2019-07-01&to=2019-07-31`]);
    expect(tiles((await alice.get('/photos/?from=2019-07-03')).body)).toContain(lighthouse);
    expect(tiles((await alice.get('/photos/?from=2019-07-03')).body)).not.toContain(harbour);
    const none = await alice.get('/photos/?q=volcano');
    expect(none.statusCode).toBe(200);
    expect(none.body).toContain('0 photos found');
    expect(none.body).toContain('No photos match your search.');
    expect(tiles(none.body)).toEqual([]);
  });

  it('shows the form again with a message for bad dates, a reversed range or an overlong query: 400, never a 500', async () => {
    for (const [query, message] of [
      ['from=2019-02-30', '“From” must be a date'],
      ['to=yesterday', '“To” must be a date'],
      ['from=2019-7-1', '“From” must be a date'],
      ['from=2020-01-02&to=2020-01-01', 'must not be later'],
      [`q=${'a'.repeat(1000)}`, 'at most 200 characters'],
      [`q=${encodeURIComponent('w '.repeat(30))}`, 'at most 20 words'],
    ] as const) {
      const page = await alice.get(`/photos/?${query}`);
      expect(page.statusCode, query).toBe(400);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(fieldErrors(page.body, 'search-errors').join(' ')).toContain(message);
      expect(page.body).toContain('<form method="get" action="/photos/"');
      expect(tiles(page.body)).toEqual([]);
    }
    const echoed = await alice.get(`/photos/?q=${encodeURIComponent('<script>alert(1)</script>')}&from=${encodeURIComponent('"><img src=x>')}`);
    expect(echoed.statusCode).toBe(400);
    expect(echoed.body).not.toContain('<script>alert(1)</script>');
    expect(echoed.body).not.toContain('"><img src=x>');
    expect(decodeEntities(echoed.body)).toContain('value="<script>alert(1)</script>"');
    expect((await alice.get('/photos/?q=a&q=b')).statusCode).toBe(400);
    expect((await alice.get('/photos/?q=%ZZ')).statusCode).toBe(400);
  });

  it('answers every hostile query with a page, finding only the user’s own photos', async () => {
    for (const q of ['"', '*', 'NEAR(', 'AND OR NOT', 'title:', 'photo_id:x', '^', "' OR 1=1 --", '%', '\\', '{title}:lighthouse', 'lighthouse*', '東京 💥', `${bobSecret}`]) {
      const page = await alice.get(`/photos/?q=${encodeURIComponent(q)}`);
      expect(page.statusCode, q).toBe(200);
      expect(tiles(page.body)).not.toContain(bobSecret);
    }
    expect(tiles((await alice.get(`/photos/?q=${encodeURIComponent('{title}:lighthouse')}`)).body)).toEqual([]);
    expect(tiles((await alice.get(`/photos/?q=${encodeURIComponent('lighthouse*')}`)).body)).toEqual([lighthouse]);
  });

  it('pages through search results keeping q, from and to', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: randomBytes(16).toString('hex'), owner_id: aliceId, status: 'ready' as const, title: `Pebble ${i}`, created_at: Date.UTC(2017, 0, 1) + i * 1000 }));
    await t.db.insertInto('photos').values(rows).execute();
    const first = await alice.get('/photos/?q=pebble&from=2016-12-31');
    expect(first.body).toContain('50 photos found');
    expect(tiles(first.body)).toHaveLength(48);
    const older = /<a href="([^"]*)">Older<\/a>/.exec(first.body)?.[1];
    expect(decodeEntities(older ?? '')).toBe('/photos/?q=pebble&from=2016-12-31&page=2');
    const second = await alice.get(decodeEntities(older!));
    expect(tiles(second.body)).toHaveLength(2);
    expect(decodeEntities(/<a href="([^"]*)">Newer<\/a>/.exec(second.body)?.[1] ?? '')).toBe('/photos/?q=pebble&from=2016-12-31&page=1');
    await t.db.deleteFrom('photos').where('id', 'in', rows.map((r) => r.id)).execute();
  });

  it('links each photo to the previous and next of the gallery, of a search, and of an album', async () => {
    // The gallery, newest taken first: lighthouse (2019-07-14), harbour (2019-07-02), dunes (2018-12-31).
    const middle = (await alice.get(`/photos/${harbour}/`)).body;
    expect(linkOf(middle, 'viewer-prev')).toBe(`/photos/${lighthouse}/`);
    expect(linkOf(middle, 'viewer-next')).toBe(`/photos/${dunes}/`);
    expect(middle).toContain('<a href="/photos/" id="viewer-back">← All photos</a>');
    expect(middle).toContain('aria-label="Previous photo: Lighthouse at dusk"');
    const newest = (await alice.get(`/photos/${lighthouse}/`)).body;
    expect(newest).not.toContain('id="viewer-prev"');
    expect(linkOf(newest, 'viewer-next')).toBe(`/photos/${harbour}/`);
    expect((await alice.get(`/photos/${dunes}/`)).body).not.toContain('id="viewer-next"');

    // A search: only its photos, and the links keep it.
    const searched = (await alice.get(`/photos/${lighthouse}/?q=holiday&to=2019-07-10`)).body;
    expect(linkOf(searched, 'viewer-next')).toBe(`/photos/${harbour}/?q=holiday&to=2019-07-10`);
    expect(searched).toContain('href="/photos/?q=holiday&amp;to=2019-07-10" id="viewer-back">← Search results</a>');
    const inSearch = (await alice.get(`/photos/${harbour}/?q=harbour`)).body;
    expect(inSearch).not.toContain('id="viewer-prev"');
    expect(inSearch).not.toContain('id="viewer-next"');

    // An album: its order, and the links keep it; the album page's tiles carry it.
    const album = await createAlbum(alice, 'Coast');
    expect((await postPhotos(alice, album, '/albums/:id/photos/', [dunes, lighthouse, harbour])).statusCode).toBe(303);
    expect((await alice.get(`/albums/${album}/`)).body).toContain(`href="/photos/${lighthouse}/?in=album:${album}"`);
    const inAlbum = (await alice.get(`/photos/${lighthouse}/?in=album:${album}`)).body;
    expect(linkOf(inAlbum, 'viewer-prev')).toBe(`/photos/${dunes}/?in=album%3A${album}`);
    expect(linkOf(inAlbum, 'viewer-next')).toBe(`/photos/${harbour}/?in=album%3A${album}`);
    expect(inAlbum).toContain(`<a href="/albums/${album}/" id="viewer-back">← Coast</a>`);
    expect((await alice.get(`/photos/${lighthouse}/?in=album%3A${album}`)).statusCode).toBe(200);
  });

  it('validates the list context strictly and never lets it show someone else’s album or photos', async () => {
    const bobsAlbum = await createAlbum(bob, 'Bob private album');
    expect((await postPhotos(bob, bobsAlbum, '/albums/:id/photos/', [bobSecret])).statusCode).toBe(303);
    // Alice's photo with Bob's album: the album is not hers, so the page falls back to her gallery.
    const foreign = await alice.get(`/photos/${harbour}/?in=album:${bobsAlbum}`);
    expect(foreign.statusCode).toBe(200);
    expect(foreign.body).not.toContain('Bob private album');
    expect(foreign.body).not.toContain(bobSecret);
    expect(linkOf(foreign.body, 'viewer-prev')).toBe(`/photos/${lighthouse}/`);
    // Bob's photo through any context is still a 404 for Alice.
    expect((await alice.get(`/photos/${bobSecret}/?in=album:${bobsAlbum}`)).statusCode).toBe(404);
    // Malformed contexts are a 400.
    for (const query of ['in=album:xyz', 'in=album:', 'in=trash', `in=album:${bobsAlbum}&q=x`, 'from=2019-13-01', 'from=2020-01-02&to=2020-01-01', `q=${'x'.repeat(201)}`, 'in=a&in=b']) {
      const page = await alice.get(`/photos/${harbour}/?${query}`);
      expect(page.statusCode, query).toBe(400);
      expect(page.body).not.toContain(bobSecret);
    }
    // An album of Alice's that does not hold the photo: back to the gallery too.
    const other = await createAlbum(alice, 'Empty one');
    const notIn = (await alice.get(`/photos/${harbour}/?in=album:${other}`)).body;
    expect(notIn).toContain('<a href="/photos/" id="viewer-back">← All photos</a>');
    expect(notIn).not.toContain(`in=album`);
  });

  it('draws the viewer controls as hidden real buttons for viewer.js, and prev/next as plain links', async () => {
    const page = (await alice.get(`/photos/${harbour}/`)).body;
    expect(page).toContain('<script type="module" src="/static/viewer.js"');
    expect(page).toMatch(/<div class="viewer-controls" id="viewer-controls" role="toolbar" aria-label="Viewer" hidden>/);
    for (const label of ['Full screen', 'Zoom out', 'Zoom in', 'Reset zoom']) expect(page).toMatch(new RegExp(`<button type="button" id="viewer-[a-z-]+" aria-label="${label}"`));
    expect(page).toMatch(/<a href="\/photos\/[0-9a-f]{32}\/" rel="prev" id="viewer-prev"/);
    const script = await alice.get('/static/viewer.js');
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
  });

  it('searches through the API: q, from and to on listPhotos, with problem documents for bad input', async () => {
    const list = await alice.get('/api/v1/photos?q=lighthouse');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ items: [{ id: lighthouse, title: 'Lighthouse at dusk' }], page: 1, has_next: false });
    const ranged = list.json<{ items: { id: string }[] }>();
    expect(ranged.items).toHaveLength(1);
    const july = await alice.get('/api/v1/photos?from=2019-07-01&to=2019-07-31&per_page=1');
    expect(july.json()).toMatchObject({ items: [{ id: lighthouse }], per_page: 1, has_next: true });
    expect((await alice.get('/api/v1/photos?from=2019-07-01&to=2019-07-31&per_page=1&page=2')).json()).toMatchObject({ items: [{ id: harbour }], has_next: false });
    expect((await bob.get('/api/v1/photos?q=dusk')).json()).toMatchObject({ items: [] });
    expectProblem(await alice.get('/api/v1/photos?from=2019-02-30'), 400);
    expectProblem(await alice.get('/api/v1/photos?from=2019-7-1'), 400);
    expectProblem(await alice.get('/api/v1/photos?from=2020-01-02&to=2020-01-01'), 400);
    expectProblem(await alice.get(`/api/v1/photos?q=${'a'.repeat(1000)}`), 400);
    expectProblem(await alice.get('/api/v1/photos?query=x'), 400);
    for (const q of ['"', 'NEAR(', "' OR 1=1 --", 'AND OR NOT', '^']) expect((await alice.get(`/api/v1/photos?q=${encodeURIComponent(q)}`)).statusCode, q).toBe(200);
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { API_TEST_ENV, createToken, expectProblem, sessionJson, signedIn } from '../api/api-client.js';
import type { TestClient } from '../support/client.js';
import { uploadReadyPhoto } from '../shares/share-fixtures.js';

interface AlbumJson {
  id: string;
  name: string;
  photo_count: number;
  cover_photo_id: string | null;
  cover_chosen: boolean;
  created_at: string;
  updated_at: string;
}

describe.each(DIALECTS)('albums over the JSON API (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let aliceToken: string;
  let bobToken: string;
  let photos: string[];
  let bobPhoto: string;

  const call = (token: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    t = await createTestApp(dialect, { ...API_TEST_ENV, MODERATION_ENABLED: 'false' });
    alice = await signedIn(t, 'api_album_alice');
    const bob = await signedIn(t, 'api_album_bob');
    aliceToken = (await createToken(alice, 'albums')).token;
    bobToken = (await createToken(bob, 'albums')).token;
    photos = [await uploadReadyPhoto(t, alice, 'One'), await uploadReadyPhoto(t, alice, 'Two')];
    bobPhoto = await uploadReadyPhoto(t, bob, 'Bob only');
  });
  afterAll(() => t.close());

  async function create(body: unknown, token = aliceToken): Promise<AlbumJson> {
    const res = await call(token, 'POST', '/api/v1/albums', body);
    expect(res.statusCode, res.body).toBe(201);
    const album = res.json() as AlbumJson;
    expect(res.headers.location).toBe(`/api/v1/albums/${album.id}`);
    return album;
  }

  it('creates, lists, gets, renames, sets the cover and deletes an album', async () => {
    const album = await create({ name: '  Road trip ', photo_ids: [photos[0], photos[1]] });
    expect(album).toMatchObject({ name: 'Road trip', photo_count: 2, cover_photo_id: photos[0], cover_chosen: false });
    expect(album.id).toMatch(/^[0-9a-f]{32}$/);
    const list = await call(aliceToken, 'GET', '/api/v1/albums?per_page=100');
    expect(list.statusCode).toBe(200);
    expect((list.json() as { items: AlbumJson[] }).items.map((a) => a.id)).toContain(album.id);
    expect((await call(aliceToken, 'GET', `/api/v1/albums/${album.id}`)).json()).toMatchObject({ name: 'Road trip' });

    const patched = await call(aliceToken, 'PATCH', `/api/v1/albums/${album.id}`, { name: 'Road trip 2026', cover_photo_id: photos[1] });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Road trip 2026', cover_photo_id: photos[1], cover_chosen: true });
    expect((await call(aliceToken, 'PATCH', `/api/v1/albums/${album.id}`, { cover_photo_id: null })).json()).toMatchObject({ cover_photo_id: photos[0], cover_chosen: false });

    expect((await call(aliceToken, 'DELETE', `/api/v1/albums/${album.id}`)).statusCode).toBe(204);
    expectProblem(await call(aliceToken, 'GET', `/api/v1/albums/${album.id}`), 404, 'not_found');
    expect((await call(aliceToken, 'GET', `/api/v1/photos/${photos[0]}`)).statusCode).toBe(200);
  });

  it('adds, lists and removes photos', async () => {
    const album = await create({ name: 'Photos' });
    const added = await call(aliceToken, 'POST', `/api/v1/albums/${album.id}/photos`, { photo_ids: [photos[1], photos[0], photos[1]] });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toMatchObject({ photo_count: 2, cover_photo_id: photos[1] });
    const listed = await call(aliceToken, 'GET', `/api/v1/albums/${album.id}/photos`);
    expect(listed.statusCode).toBe(200);
    const page = listed.json() as { items: { id: string; media: Record<string, string> }[]; has_next: boolean };
    expect(page.items.map((p) => p.id)).toEqual([photos[1], photos[0]]);
    expect(page.items[0]!.media.thumb_jpg).toBe(`/api/v1/photos/${photos[1]}/media/thumb.jpg`);
    expect((await call(aliceToken, 'DELETE', `/api/v1/albums/${album.id}/photos/${photos[1]}`)).statusCode).toBe(204);
    expectProblem(await call(aliceToken, 'DELETE', `/api/v1/albums/${album.id}/photos/${photos[1]}`), 404, 'not_found');
    expect((await call(aliceToken, 'GET', `/api/v1/albums/${album.id}`)).json()).toMatchObject({ photo_count: 1, cover_photo_id: photos[0] });
  });

  it("is owner-only: another user's album is a 404 everywhere, and so is adding another user's photo", async () => {
    const album = await create({ name: 'Alice API only', photo_ids: [photos[0]] });
    const attempts = [
      call(bobToken, 'GET', `/api/v1/albums/${album.id}`),
      call(bobToken, 'GET', `/api/v1/albums/${album.id}/photos`),
      call(bobToken, 'PATCH', `/api/v1/albums/${album.id}`, { name: 'Bob' }),
      call(bobToken, 'DELETE', `/api/v1/albums/${album.id}`),
      call(bobToken, 'POST', `/api/v1/albums/${album.id}/photos`, { photo_ids: [bobPhoto] }),
      call(bobToken, 'DELETE', `/api/v1/albums/${album.id}/photos/${photos[0]}`),
      call(bobToken, 'GET', `/api/v1/albums/${album.id}/shares`),
      call(bobToken, 'POST', `/api/v1/albums/${album.id}/shares`, {}),
    ];
    for (const res of await Promise.all(attempts)) {
      expectProblem(res, 404, 'not_found');
      expect(res.body).not.toContain('Alice API only');
    }
    const bobs = await create({ name: 'Bob API' }, bobToken);
    expectProblem(await call(bobToken, 'POST', `/api/v1/albums/${bobs.id}/photos`, { photo_ids: [bobPhoto, photos[0]] }), 404, 'not_found');
    expectProblem(await call(bobToken, 'POST', '/api/v1/albums', { name: 'Sneaky', photo_ids: [photos[0]] }), 404, 'not_found');
    expectProblem(await call(bobToken, 'PATCH', `/api/v1/albums/${bobs.id}`, { cover_photo_id: photos[0] }), 404, 'not_found');
    expect((await call(bobToken, 'GET', `/api/v1/albums/${bobs.id}`)).json()).toMatchObject({ photo_count: 0, name: 'Bob API' });
    expect((await call(aliceToken, 'GET', `/api/v1/albums/${album.id}`)).json()).toMatchObject({ name: 'Alice API only', photo_count: 1 });
  });

  it('refuses malformed input with problem documents', async () => {
    const album = await create({ name: 'Strict' });
    const tooMany = Array.from({ length: 101 }, () => randomBytes(16).toString('hex'));
    for (const [method, url, body] of [
      ['POST', '/api/v1/albums', {}],
      ['POST', '/api/v1/albums', { name: '' }],
      ['POST', '/api/v1/albums', { name: 'x'.repeat(101) }],
      ['POST', '/api/v1/albums', { name: 'ok', extra: 1 }],
      ['POST', '/api/v1/albums', { name: 'bidi \u202E' }],
      ['POST', '/api/v1/albums', { name: ' \t ' }],
      ['POST', `/api/v1/albums/${album.id}/photos`, { photo_ids: [] }],
      ['POST', `/api/v1/albums/${album.id}/photos`, { photo_ids: tooMany }],
      ['POST', `/api/v1/albums/${album.id}/photos`, { photo_ids: ['../etc'] }],
      ['PATCH', `/api/v1/albums/${album.id}`, {}],
      ['PATCH', `/api/v1/albums/${album.id}`, { cover_photo_id: 'nope' }],
      ['GET', '/api/v1/albums?page=0', undefined],
    ] as const) {
      expectProblem(await call(aliceToken, method, url, body), 400, 'validation_failed');
    }
    expectProblem(await call(aliceToken, 'GET', '/api/v1/albums/not-an-id'), 400, 'validation_failed');
  });

  it('needs the CSRF header with a session cookie, and a credential at all', async () => {
    expectProblem(await sessionJson(alice, 'POST', '/api/v1/albums', { name: 'No CSRF' }, null), 403, 'csrf_failed');
    const withCsrf = await sessionJson(alice, 'POST', '/api/v1/albums', { name: 'With CSRF' });
    expect(withCsrf.statusCode).toBe(201);
    expectProblem(await t.app.inject({ url: '/api/v1/albums' }), 401, 'unauthenticated');
    const form = await t.app.inject({ method: 'POST', url: '/api/v1/albums', headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' });
    expect(form.statusCode).toBe(415);
  });

  it('shares an album through the API with the same rules as photo links', async () => {
    const album = await create({ name: 'API shared', photo_ids: [photos[0]] });
    const created = await call(aliceToken, 'POST', `/api/v1/albums/${album.id}/shares`, { expires_in_days: 1, password: 'correct horse' });
    expect(created.statusCode, created.body).toBe(201);
    const body = created.json() as { token: string; url: string; link: { id: string; has_password: boolean; state: string } };
    expect(body.link).toMatchObject({ has_password: true, state: 'active' });
    const page = await t.app.inject({ url: body.url });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('This shared album is protected');
    const list = await call(aliceToken, 'GET', `/api/v1/albums/${album.id}/shares`);
    expect(list.body).not.toContain(body.token);
    expect((await call(aliceToken, 'DELETE', `/api/v1/albums/${album.id}/shares/${body.link.id}`)).statusCode).toBe(204);
    expect((await t.app.inject({ url: body.url })).statusCode).toBe(404);
    // A photo's link id under an album (and the reverse) is not found.
    const photoLink = (await call(aliceToken, 'POST', `/api/v1/photos/${photos[0]}/shares`, {})).json() as { link: { id: string } };
    expectProblem(await call(aliceToken, 'DELETE', `/api/v1/albums/${album.id}/shares/${photoLink.link.id}`), 404, 'not_found');
    expectProblem(await call(aliceToken, 'POST', `/api/v1/albums/${album.id}/shares`, { password: 'short' }), 400, 'validation_failed');
  });

  it('documents every album operation in the OpenAPI document with strict schemas', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { operationId: string; requestBody?: { content: Record<string, { schema: { additionalProperties?: boolean } }> } }>> };
    const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const));
    const byName = new Map<string, (typeof operations)[number][1]>(operations);
    for (const name of [
      'GET /api/v1/albums',
      'POST /api/v1/albums',
      'GET /api/v1/albums/{id}',
      'PATCH /api/v1/albums/{id}',
      'DELETE /api/v1/albums/{id}',
      'GET /api/v1/albums/{id}/photos',
      'POST /api/v1/albums/{id}/photos',
      'DELETE /api/v1/albums/{id}/photos/{photoId}',
      'GET /api/v1/albums/{id}/shares',
      'POST /api/v1/albums/{id}/shares',
      'DELETE /api/v1/albums/{id}/shares/{shareId}',
    ]) {
      const op = byName.get(name);
      expect(op, name).toBeDefined();
      const body = op!.requestBody?.content['application/json']?.schema;
      if (body) expect(body.additionalProperties, name).toBe(false);
    }
  });
});

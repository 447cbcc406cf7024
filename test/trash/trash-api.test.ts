import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, expectProblem, sessionJson } from '../api/api-client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { expectConforms, type OpenApiDocument } from '../support/openapi-conformance.js';
import { multipartBody } from '../support/multipart.js';
import { smallJpeg, uniqueBytes } from '../support/photos.js';

describe.each(DIALECTS)('the Trash in the JSON API (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bearer: string;
  let bobBearer: string;
  let document: OpenApiDocument;

  const api = (method: 'GET' | 'POST' | 'DELETE', url: string, token = bearer) => t.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });

  async function uploadReady(token = bearer): Promise<string> {
    const body = multipartBody([{ name: 'image', value: uniqueBytes(await smallJpeg(80, 60)), filename: 'a.jpg', contentType: 'image/jpeg' }]);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType }, payload: body.payload });
    expect(res.statusCode, res.body).toBe(202);
    await t.app.jobWorker.drain();
    return (res.json() as { id: string }).id;
  }

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false', TRASH_RETENTION_DAYS: '3' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('trash_api_alice');
    bearer = (await createToken(alice, 'tests')).token;
    const bob = new TestClient(t.app);
    await bob.signupAndLogin('trash_api_bob');
    bobBearer = (await createToken(bob, 'tests')).token;
    document = (await t.app.inject({ url: '/openapi.json' })).json();
  });
  afterAll(() => t.close());

  it('documents the Trash operations', () => {
    expect(document.paths['/api/v1/photos/trash']?.['get']).toBeDefined();
    expect(document.paths['/api/v1/photos/trash']?.['delete']).toBeDefined();
    expect(document.paths['/api/v1/photos/trash']?.['post']).toBeDefined();
    expect(document.paths['/api/v1/photos/{id}/trash']?.['post']).toBeDefined();
    expect(document.paths['/api/v1/photos/{id}/restore']?.['post']).toBeDefined();
  });

  it('trashes, lists with the purge date, hides from every normal read, restores', async () => {
    const id = await uploadReady();
    const trashed = await api('POST', `/api/v1/photos/${id}/trash`);
    expect(trashed.statusCode, trashed.body).toBe(200);
    const body = trashed.json() as { id: string; trashed_at: string; purge_at: string };
    expectConforms(document, '/api/v1/photos/{id}/trash', 'post', 200, body);
    expect(Date.parse(body.purge_at) - Date.parse(body.trashed_at)).toBe(3 * 86_400_000);

    for (const url of [`/api/v1/photos/${id}`, `/api/v1/photos/${id}/status`]) expectProblem(await api('GET', url), 404, 'not_found');
    expect(((await api('GET', '/api/v1/photos')).json() as { items: { id: string }[] }).items.map((p) => p.id)).not.toContain(id);
    // Its media stay the owner's (the Trash shows them), never anyone else's.
    expect((await api('GET', `/api/v1/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
    expectProblem(await api('GET', `/api/v1/photos/${id}/media/thumb.jpg`, bobBearer), 404, 'not_found');

    const list = await api('GET', '/api/v1/photos/trash');
    expect(list.statusCode).toBe(200);
    expectConforms(document, '/api/v1/photos/trash', 'get', 200, list.json());
    expect((list.json() as { items: { id: string }[] }).items.map((p) => p.id)).toEqual([id]);
    expect((await api('GET', '/api/v1/photos/trash', bobBearer)).json()).toMatchObject({ items: [] });

    expectProblem(await api('POST', `/api/v1/photos/${id}/trash`), 404, 'not_found');
    expectProblem(await api('POST', `/api/v1/photos/${id}/restore`, bobBearer), 404, 'not_found');
    const restored = await api('POST', `/api/v1/photos/${id}/restore`);
    expect(restored.statusCode).toBe(200);
    expectConforms(document, '/api/v1/photos/{id}/restore', 'post', 200, restored.json());
    expectProblem(await api('POST', `/api/v1/photos/${id}/restore`), 404, 'not_found');
    expect((await api('GET', `/api/v1/photos/${id}`)).statusCode).toBe(200);
  });

  it('refuses another user’s photo, unknown and malformed ids, and a session without CSRF', async () => {
    const id = await uploadReady();
    expectProblem(await api('POST', `/api/v1/photos/${id}/trash`, bobBearer), 404, 'not_found');
    expectProblem(await api('POST', `/api/v1/photos/${'0'.repeat(32)}/trash`), 404, 'not_found');
    for (const bad of ['nothex', 'A'.repeat(32), "'%20OR%201=1--"]) {
      const res = await api('POST', `/api/v1/photos/${bad}/trash`);
      expect(res.statusCode, bad).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, bad).toBeLessThan(500);
    }
    expect((await sessionJson(alice, 'POST', `/api/v1/photos/${id}/trash`, undefined, null)).statusCode).toBe(403);
    expect((await t.db.selectFrom('photos').select('trashed_at').where('id', '=', id).executeTakeFirstOrThrow()).trashed_at).toBeNull();
    expect((await sessionJson(alice, 'POST', `/api/v1/photos/${id}/trash`)).statusCode).toBe(200);
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/api/v1/photos/trash' }), 401, 'unauthenticated');
  });

  it('moves several photos at once, all or none, and refuses hostile bodies without moving anything', async () => {
    const [a, b, c] = [await uploadReady(), await uploadReady(), await uploadReady()];
    const post = (payload: unknown, token = bearer, contentType = 'application/json') =>
      t.app.inject({ method: 'POST', url: '/api/v1/photos/trash', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
    const trashedIds = async () => (await t.db.selectFrom('photos').select('id').where('id', 'in', [a, b, c]).where('trashed_at', 'is not', null).execute()).map((r) => r.id).sort();

    // One id that is not the caller's (bob's token; an unknown id) and nothing moves.
    expectProblem(await post({ photo_ids: [a, b] }, bobBearer), 404, 'not_found');
    expectProblem(await post({ photo_ids: [a, '0'.repeat(32)] }), 404, 'not_found');
    const hostile: unknown[] = [
      {}, { photo_ids: [] }, { photo_ids: 'a' }, { photo_ids: [a, 'nothex'] }, { photo_ids: [a.toUpperCase()] }, { photo_ids: [a], extra: 1 },
      { photo_ids: Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, '0')) }, { photo_ids: [{ $ne: null }] }, { photo_ids: [`${a}' OR '1'='1`] },
      '{"photo_ids": [', 'null', '[]',
    ];
    for (const body of hostile) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await post(`photo_ids=${a}`, bearer, 'application/x-www-form-urlencoded')).statusCode).toBe(415);
    expect(await trashedIds()).toEqual([]);
    // A session needs its CSRF token.
    expect((await sessionJson(alice, 'POST', '/api/v1/photos/trash', { photo_ids: [a] }, null)).statusCode).toBe(403);
    expect(await trashedIds()).toEqual([]);

    const moved = await post({ photo_ids: [a, b, a] });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toEqual({ trashed: 2 });
    expectConforms(document, '/api/v1/photos/trash', 'post', 200, moved.json());
    expect(await trashedIds()).toEqual([a, b].sort());
    // Already in the Trash: a 404, and c (named with it) stays in the library.
    expectProblem(await post({ photo_ids: [c, a] }), 404, 'not_found');
    expect(await trashedIds()).toEqual([a, b].sort());
    expect((await sessionJson(alice, 'POST', '/api/v1/photos/trash', { photo_ids: [c] })).statusCode).toBe(200);
    expect(await trashedIds()).toEqual([a, b, c].sort());
  });

  it('deletes a trashed photo for good with DELETE, and empties the Trash', async () => {
    const [one, two, kept] = [await uploadReady(), await uploadReady(), await uploadReady()];
    const bobs = await uploadReady(bobBearer);
    await api('POST', `/api/v1/photos/${bobs}/trash`, bobBearer);
    for (const id of [one, two]) expect((await api('POST', `/api/v1/photos/${id}/trash`)).statusCode).toBe(200);
    expect((await api('DELETE', `/api/v1/photos/${one}`)).statusCode).toBe(204);
    const emptied = await api('DELETE', '/api/v1/photos/trash');
    expect(emptied.statusCode).toBe(200);
    expectConforms(document, '/api/v1/photos/trash', 'delete', 200, emptied.json());
    expect((emptied.json() as { deleted: number }).deleted).toBeGreaterThanOrEqual(1);
    expect((await api('GET', '/api/v1/photos/trash')).json()).toMatchObject({ items: [] });
    expect((await api('GET', `/api/v1/photos/${kept}`)).statusCode).toBe(200);
    expect(((await api('GET', '/api/v1/photos/trash', bobBearer)).json() as { items: { id: string }[] }).items.map((p) => p.id)).toEqual([bobs]);
    expect(two).toBeTruthy();
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { decodeEntities } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { TestClient } from '../support/client.js';

const photoId = () => randomBytes(16).toString('hex');

/** The titles shown on the gallery, in page order. */
function titles(html: string): string[] {
  return [...html.matchAll(/<span class="tile-title">(.*?)<\/span>/gs)].map((m) => decodeEntities(m[1] ?? ''));
}

describe.each(DIALECTS)('the gallery (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bob: TestClient;
  let aliceId: string;
  let bobId: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    alice = new TestClient(t.app);
    bob = new TestClient(t.app);
    await alice.signupAndLogin('alice');
    await bob.signupAndLogin('bob');
    const ids = await t.db.selectFrom('users').select(['id', 'username_key']).execute();
    aliceId = ids.find((u) => u.username_key === 'alice')!.id;
    bobId = ids.find((u) => u.username_key === 'bob')!.id;
  });
  afterAll(() => t.close());

  async function addPhoto(ownerId: string, title: string, createdAt: number) {
    await t.db.insertInto('photos').values({ id: photoId(), owner_id: ownerId, status: 'queued', title, created_at: createdAt }).execute();
  }

  it('anonymous visitors are sent to the login page with next', async () => {
    const res = await t.app.inject({ url: '/photos/' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/accounts/login/?next=%2Fphotos%2F');
  });

  it('API-style anonymous clients get a 401 problem document instead of a redirect', async () => {
    const res = await t.app.inject({ url: '/photos/', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('a new user sees an empty gallery', async () => {
    const res = await alice.get('/photos/');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You have no photos yet.');
    expect(titles(res.body)).toEqual([]);
  });

  it("lists only the user's own photos, newest first", async () => {
    const now = Date.now();
    await addPhoto(aliceId, 'alice old', now - 3000);
    await addPhoto(aliceId, 'alice new', now - 1000);
    await addPhoto(aliceId, 'alice middle', now - 2000);
    await addPhoto(bobId, 'bob secret', now);

    const aliceView = await alice.get('/photos/');
    expect(titles(aliceView.body)).toEqual(['alice new', 'alice middle', 'alice old']);
    expect(aliceView.body).not.toContain('bob secret');

    const bobView = await bob.get('/photos/');
    expect(titles(bobView.body)).toEqual(['bob secret']);
    expect(bobView.body).not.toContain('alice');
  });

  it('a hostile title is escaped', async () => {
    await addPhoto(bobId, '<script>alert(1)</script>', Date.now() + 10_000);
    const res = await bob.get('/photos/');
    expect(res.body).not.toContain('<script>alert(1)</script>');
    expect(titles(res.body)[0]).toBe('<script>alert(1)</script>');
  });

  it('pages through many photos, 48 at a time', async () => {
    const carol = new TestClient(t.app);
    await carol.signupAndLogin('carol');
    const carolId = (await t.db.selectFrom('users').select('id').where('username_key', '=', 'carol').executeTakeFirstOrThrow()).id;
    const base = Date.now();
    await t.db
      .insertInto('photos')
      .values(Array.from({ length: 50 }, (_, i) => ({ id: photoId(), owner_id: carolId, status: 'queued' as const, title: `photo ${String(i).padStart(2, '0')}`, created_at: base + i })))
      .execute();
    const first = await carol.get('/photos/');
    expect(titles(first.body)).toHaveLength(48);
    expect(titles(first.body)[0]).toBe('photo 49');
    expect(first.body).toContain('href="/photos/?page=2"');
    const second = await carol.get('/photos/?page=2');
    expect(titles(second.body)).toEqual(['photo 01', 'photo 00']);
    expect(second.body).toContain('href="/photos/?page=1"');
    const beyond = await carol.get('/photos/?page=5');
    expect(beyond.statusCode).toBe(200);
    expect(titles(beyond.body)).toEqual([]);
  });

  it.each(['0', '-1', 'abc', '1.5', '99999999999999999999', '1e3', ''])('?page=%j is refused or means page 1, never a 500', async (page) => {
    const res = await alice.get(`/photos/?page=${encodeURIComponent(page)}`);
    if (page === '') expect(res.statusCode).toBe(200);
    else expect(res.statusCode).toBe(400);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../api/api-client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { smallJpeg, uploadProcessed } from '../support/photos.js';

// users.photos_version (migration 0006) lets the gallery page and photo records be reused without a
// query while it is unchanged. These tests change photos the way another process would (directly
// in the database, not through this app) and check that nothing stale is ever shown.
describe.each(DIALECTS)('photos version (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  const versionOf = async (username: string) =>
    Number((await t.db.selectFrom('users').select('photos_version').where('username', '=', username).executeTakeFirstOrThrow()).photos_version);

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_ver');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is bumped by the database on every insert, update and delete of the user’s photos, and only theirs', async () => {
    const bob = new TestClient(t.app);
    await bob.signupAndLogin('bob_ver');
    const before = await versionOf('alice_ver');
    const id = await uploadProcessed(t, alice, await smallJpeg());
    const afterUpload = await versionOf('alice_ver');
    expect(afterUpload).toBeGreaterThan(before);
    await t.db.updateTable('photos').set({ title: 'renamed' }).where('id', '=', id).execute();
    expect(await versionOf('alice_ver')).toBe(afterUpload + 1);
    await t.db.deleteFrom('photos').where('id', '=', id).execute();
    expect(await versionOf('alice_ver')).toBe(afterUpload + 2);
    expect(await versionOf('bob_ver')).toBe(0);
  });

  it('shows a gallery change made elsewhere on the next view (title, new status, deletion)', async () => {
    const id = await uploadProcessed(t, alice, await smallJpeg(), 'first title');
    expect((await alice.get('/photos/')).body).toContain('first title');
    // The same page again comes from the template cache.
    expect((await alice.get('/photos/')).body).toContain('first title');
    await t.db.updateTable('photos').set({ title: 'second title' }).where('id', '=', id).execute();
    const renamed = (await alice.get('/photos/')).body;
    expect(renamed).toContain('second title');
    expect(renamed).not.toContain('first title');
    await t.db.deleteFrom('photos').where('id', '=', id).execute();
    expect((await alice.get('/photos/')).body).not.toContain(id);
  });

  it('serves a photo’s status and media from a fresh record after a change made elsewhere', async () => {
    const id = await uploadProcessed(t, alice, await smallJpeg());
    expect((await alice.get(`/photos/${id}/status/`)).json()).toMatchObject({ status: 'ready' });
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
    // A moderator (or another instance's job) holds it, then another process deletes it.
    await t.db.updateTable('photos').set({ status: 'rejected', status_detail: 'x' }).where('id', '=', id).execute();
    expect((await alice.get(`/photos/${id}/status/`)).json()).toMatchObject({ status: 'rejected' });
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
    await t.db.deleteFrom('photos').where('id', '=', id).execute();
    expect((await alice.get(`/photos/${id}/status/`)).statusCode).toBe(404);
  });

  it('answers an API edit with the edited photo even when the old record was just served', async () => {
    const id = await uploadProcessed(t, alice, await smallJpeg());
    const { token } = await createToken(alice, 'edit');
    const headers = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/photos/${id}`, headers })).json()).toMatchObject({ title: '' });
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/photos/${id}`, headers, payload: { title: 'edited' } });
    expect(patched.json()).toMatchObject({ title: 'edited' });
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/photos/${id}`, headers })).json()).toMatchObject({ title: 'edited' });
  });

  it('never gives another user a record cached for the owner, even with the same photos version', async () => {
    const id = await uploadProcessed(t, alice, await smallJpeg(), 'alice only');
    const eve = new TestClient(t.app);
    await eve.signupAndLogin('eve_ver');
    // Make eve's photos version equal alice's, so only the owner part of the cache key differs.
    await t.db.updateTable('users').set({ photos_version: await versionOf('alice_ver') }).where('username', '=', 'eve_ver').execute();
    expect((await alice.get(`/photos/${id}/`)).statusCode).toBe(200);
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
    expect((await alice.get(`/photos/${id}/status/`)).statusCode).toBe(200);
    for (const url of [`/photos/${id}/`, `/photos/${id}/status/`, `/photos/${id}/media/thumb.jpg`, `/photos/${id}/media/original`]) {
      expect((await eve.get(url)).statusCode, url).toBe(404);
    }
    const { token } = await createToken(eve, 'eve');
    expect((await t.app.inject({ url: `/api/v1/photos/${id}`, headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(404);
    expect((await eve.get('/photos/')).body).not.toContain('alice only');
  });
});

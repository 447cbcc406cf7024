import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../api/api-client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { extractCsrf, TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { PLAIN_TEXT } from '../support/images.js';
import { multipartBody, type Part } from '../support/multipart.js';
import { photoIdFrom, postMultipart, smallJpeg, uploadForm } from '../support/photos.js';


const MAX_BYTES = 200_000;
const MAX_FILES = 5;

// Several photos in one post of the form (the `multiple` input without JavaScript), and the same
// photo uploaded twice by one owner: recognised by the hash of its bytes, reported, stored once.
describe.each(DIALECTS)('uploading many, and duplicates (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bob: TestClient;

  beforeAll(async () => {
    t = await createTestApp(dialect, { UPLOAD_MAX_BYTES: String(MAX_BYTES), UPLOAD_MAX_FILES: String(MAX_FILES), MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_many');
    bob = new TestClient(t.app);
    await bob.signupAndLogin('bob_many');
  });
  afterAll(() => t.close());

  const photoCount = async (owner: string) =>
    (await t.db.selectFrom('photos').innerJoin('users', 'users.id', 'photos.owner_id').select('photos.id').where('users.username', '=', owner).execute()).length;
  const staged = async () => readdir(path.join(t.database.dataDir, 'uploads')).catch(() => []);

  async function postFiles(client: TestClient, files: readonly { name: string; data: Buffer; type?: string }[], extra: Part[] = [], headers: Record<string, string> = {}) {
    const token = extractCsrf((await client.get('/photos/upload/')).body) ?? '';
    const parts: Part[] = [{ name: '_csrf', value: token }, ...extra, ...files.map((f) => ({ name: 'image', value: f.data, filename: f.name, contentType: f.type ?? 'image/jpeg' }))];
    return postMultipart(client, parts, headers);
  }

  it('offers a multiple-file input and a drop zone on the upload page and the gallery', async () => {
    for (const url of ['/photos/upload/', '/photos/']) {
      const page = await alice.get(url);
      expect(page.body, url).toMatch(/<input id="id_image" name="image" type="file" multiple/);
      expect(page.body, url).toContain('<script type="module" src="/static/upload.js">');
    }
  });

  it('accepts several files in one post and answers with a summary of each', async () => {
    const before = await photoCount('alice_many');
    const response = await postFiles(alice, [
      { name: 'one.jpg', data: await smallJpeg(80, 60, '#a33') },
      { name: 'two.jpg', data: await smallJpeg(80, 60, '#3a3') },
      { name: 'three.jpg', data: await smallJpeg(80, 60, '#33a') },
    ], [{ name: 'title', value: 'Trip' }]);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toMatch(/no-store/);
    expect(response.body).toContain('3 photos uploaded (being processed).');
    expect(response.body.match(/class="upload-result upload-accepted"/g)).toHaveLength(3);
    for (const name of ['one.jpg', 'two.jpg', 'three.jpg']) expect(response.body).toContain(name);
    expect(await photoCount('alice_many')).toBe(before + 3);
    await t.app.jobWorker.drain();
    const rows = await t.db.selectFrom('photos').select(['status', 'title']).where('original_name', 'in', ['one.jpg', 'two.jpg', 'three.jpg']).execute();
    expect(rows).toEqual(Array.from({ length: 3 }, () => ({ status: 'ready', title: 'Trip' })));
    expect(await staged()).toEqual([]);
  });

  it('refuses the bad files of a post one by one and keeps the good ones', async () => {
    const before = await photoCount('alice_many');
    const response = await postFiles(alice, [
      { name: 'fine.jpg', data: await smallJpeg(80, 60, '#456') },
      { name: 'huge.jpg', data: Buffer.concat([await smallJpeg(), Buffer.alloc(MAX_BYTES)]) },
      { name: 'notes.jpg', data: Buffer.from(PLAIN_TEXT) },
      { name: 'empty.jpg', data: Buffer.alloc(0) },
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('1 photo uploaded (being processed), 3 files refused.');
    expect(response.body).toMatch(/huge\.jpg<\/span> <span class="field-errors">Refused: This file is larger than the 0\.2 MB limit/);
    expect(response.body).toMatch(/notes\.jpg<\/span> <span class="field-errors">Refused: /);
    expect(response.body).toMatch(/empty\.jpg<\/span> <span class="field-errors">Refused: /);
    expect(await photoCount('alice_many')).toBe(before + 1);
    await t.app.jobWorker.drain();
    expect(await staged()).toEqual([]);
  });

  it(`refuses a post of more than ${MAX_FILES} files whole, keeping none of them`, async () => {
    const before = await photoCount('alice_many');
    const files = await Promise.all(Array.from({ length: MAX_FILES + 1 }, async (_, i) => ({ name: `f${i}.jpg`, data: await smallJpeg(40, 30, '#777') })));
    const response = await postFiles(alice, files);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(`Send at most ${MAX_FILES} photos per upload.`);
    expect(await photoCount('alice_many')).toBe(before);
    expect(await staged()).toEqual([]);
  });

  it('recognises the same photo sent twice: a notice and the existing photo, nothing stored again', async () => {
    const jpeg = await smallJpeg(120, 90, '#c90');
    const first = await uploadForm(alice, jpeg, { filename: 'first.jpg' });
    expect(first.statusCode).toBe(303);
    const id = photoIdFrom(first.headers.location);
    await t.app.jobWorker.drain();
    const before = await photoCount('alice_many');

    const again = await uploadForm(alice, jpeg, { filename: 'renamed copy.jpg' });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(`/photos/${id}/`);
    expect((await alice.get(`/photos/${id}/`)).body).toContain('You already have this photo, so it was not stored again: here it is.');

    const json = await uploadForm(alice, jpeg, { headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ result: 'duplicate', duplicate: true, id, page_url: `/photos/${id}/` });

    const twiceInOnePost = await postFiles(alice, [
      { name: 'a.jpg', data: jpeg },
      { name: 'b.jpg', data: await smallJpeg(120, 90, '#09c') },
    ]);
    expect(twiceInOnePost.body).toContain('1 photo uploaded (being processed), 1 already in your library.');
    expect(twiceInOnePost.body).toContain(`href="/photos/${id}/"`);
    expect(await photoCount('alice_many')).toBe(before + 1);
    await t.app.jobWorker.drain();
    expect(await staged()).toEqual([]);
  });

  it('keeps duplicates per owner: another user with the same bytes gets a photo of their own, and learns nothing', async () => {
    const jpeg = await smallJpeg(100, 100, '#5a5');
    const mine = photoIdFrom((await uploadForm(alice, jpeg)).headers.location);
    const theirs = await uploadForm(bob, jpeg);
    expect(theirs.statusCode).toBe(303);
    expect(photoIdFrom(theirs.headers.location)).not.toBe(mine);
    expect((await bob.get(theirs.headers.location as string)).body).not.toContain('You already have this photo');
    await t.app.jobWorker.drain();
  });

  it('lets a photo that failed be uploaded again (its hash is given up)', async () => {
    const jpeg = await smallJpeg(90, 90, '#909');
    const failed = photoIdFrom((await uploadForm(alice, jpeg)).headers.location);
    await t.app.jobWorker.drain();
    await t.db.updateTable('photos').set({ status: 'failed' }).where('id', '=', failed).execute();
    const retry = await uploadForm(alice, jpeg);
    expect(retry.statusCode).toBe(303);
    expect(photoIdFrom(retry.headers.location)).not.toBe(failed);
    expect((await t.db.selectFrom('photos').select('upload_hash').where('id', '=', failed).executeTakeFirstOrThrow()).upload_hash).toBe('');
    await t.app.jobWorker.drain();
  });

  it('stores one photo when two identical uploads race (the unique index decides)', async () => {
    const jpeg = await smallJpeg(70, 70, '#0aa');
    const before = await photoCount('alice_many');
    const answers = await Promise.all([uploadForm(alice, jpeg, { headers: { accept: 'application/json' } }), uploadForm(alice, jpeg, { headers: { accept: 'application/json' } })]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 202]);
    expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
    expect(await photoCount('alice_many')).toBe(before + 1);
    await t.app.jobWorker.drain();
    expect(await staged()).toEqual([]);
  });

  it('answers a duplicate through the API with 303 See Other to the existing photo (RFC 9110 §9.3.3)', async () => {
    const bearer = (await createToken(alice, 'dupes')).token;
    const jpeg = await smallJpeg(64, 64, '#abc');
    const send = () => {
      const body = multipartBody([{ name: 'image', value: jpeg, filename: 'api.jpg', contentType: 'image/jpeg' }]);
      return t.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { authorization: `Bearer ${bearer}`, 'content-type': body.contentType }, payload: body.payload });
    };
    const created = await send();
    expect(created.statusCode).toBe(202);
    const again = await send();
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(`/api/v1/photos/${created.json().id}`);
    expect(again.json()).toEqual({ id: created.json().id, status: expect.any(String), status_url: `/api/v1/photos/${created.json().id}/status`, photo_url: `/api/v1/photos/${created.json().id}`, duplicate: true });
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths['/api/v1/photos'].post.responses)).toContain('303');
    await t.app.jobWorker.drain();
  });
});

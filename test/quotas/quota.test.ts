import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, expectProblem } from '../api/api-client.js';
import { loadConfig } from '../../src/config/config.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { clientWithOwnAddress, extractCsrf, type TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { multipartBody } from '../support/multipart.js';
import { smallJpeg, uniqueBytes } from '../support/photos.js';
import { enableTwoFactor } from '../support/two-factor.js';
import { uploadReadyPhoto } from '../shares/share-fixtures.js';

const MB = 1024 * 1024;

describe('TRASH_RETENTION_DAYS and USER_QUOTA_MB', () => {
  it('default to 30 days and no quota, and refuse 0 or junk naming the variable', () => {
    const config = loadConfig({});
    expect(config.trashRetentionDays).toBe(30);
    expect(config.userQuotaBytes).toBeUndefined();
    expect(loadConfig({ TRASH_RETENTION_DAYS: '7', USER_QUOTA_MB: '500' })).toMatchObject({ trashRetentionDays: 7, userQuotaBytes: 500 * MB });
    for (const [name, value] of [
      ['TRASH_RETENTION_DAYS', '0'],
      ['TRASH_RETENTION_DAYS', '-3'],
      ['TRASH_RETENTION_DAYS', 'soon'],
      ['TRASH_RETENTION_DAYS', '1.5'],
      ['USER_QUOTA_MB', '0'],
      ['USER_QUOTA_MB', '10GB'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(name);
    }
  });
});

describe.each(DIALECTS)('storage quotas (%s)', (dialect) => {
  let t: TestApp;
  let admin: TestClient;
  let user: TestClient;
  let userId: string;

  const quotaOf = async (id: string) => (await t.db.selectFrom('users').select('storage_quota_bytes').where('id', '=', id).executeTakeFirstOrThrow()).storage_quota_bytes;
  const idOf = async (username: string) => (await t.db.selectFrom('users').select('id').where('username_key', '=', username).executeTakeFirstOrThrow()).id;

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false', USER_QUOTA_MB: '2', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
    admin = clientWithOwnAddress(t.app, 31);
    await admin.signupAndLogin('quota_admin');
    await t.db.updateTable('users').set({ role: 'admin' }).where('username_key', '=', 'quota_admin').execute();
    await enableTwoFactor(admin);
    user = clientWithOwnAddress(t.app, 32);
    await user.signupAndLogin('quota_user');
    userId = await idOf('quota_user');
  }, 60_000);
  afterAll(() => t.close());

  it('gives new accounts USER_QUOTA_MB and shows usage on the account page', async () => {
    expect(Number(await quotaOf(userId))).toBe(2 * MB);
    expect((await user.get('/accounts/')).body).toContain('0 MB of 2 MB');
    await uploadReadyPhoto(t, user);
    const used = (await t.db.selectFrom('photos').select('bytes').where('owner_id', '=', userId).executeTakeFirstOrThrow()).bytes;
    expect(used).toBeGreaterThan(0);
    expect((await user.get('/accounts/')).body).toContain(`${Math.round((used / MB) * 10) / 10} MB of 2 MB`);
  });

  it('refuses an upload past the quota: a form error (413) on the page, a 413 problem in the API; nothing stored', async () => {
    const owner = clientWithOwnAddress(t.app, 33);
    await owner.signupAndLogin('quota_full');
    const ownerId = await idOf('quota_full');
    await uploadReadyPhoto(t, owner);
    const used = Number((await t.db.selectFrom('photos').select('bytes').where('owner_id', '=', ownerId).executeTakeFirstOrThrow()).bytes);
    // Room for one more upload of this size on an empty account, not beside the photo already there.
    const fileBytes = uniqueBytes(await smallJpeg(64, 48)).length;
    expect(used).toBeGreaterThan(40);
    await t.db.updateTable('users').set({ storage_quota_bytes: fileBytes + 40 }).where('id', '=', ownerId).execute();

    const csrf = await owner.csrfFrom('/photos/upload/');
    const form = multipartBody([
      { name: '_csrf', value: csrf },
      { name: 'image', value: uniqueBytes(await smallJpeg(64, 48)), filename: 'more.jpg', contentType: 'image/jpeg' },
    ]);
    const page = await owner.request({ method: 'POST', url: '/photos/upload/', payload: form.payload, headers: { 'content-type': form.contentType } });
    expect(page.statusCode).toBe(413);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Storage quota of 0 MB reached');
    expect(extractCsrf(page.body)).toBeTruthy();

    const token = (await createToken(owner, 'quota')).token;
    const body = multipartBody([{ name: 'image', value: uniqueBytes(await smallJpeg(64, 48)), filename: 'api.jpg', contentType: 'image/jpeg' }]);
    const api = await t.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType }, payload: body.payload });
    const problem = expectProblem(api, 413, 'payload_too_large');
    expect(String(problem.detail)).toMatch(/^Storage quota of 0 MB reached/);
    expect((await t.db.selectFrom('photos').select('id').where('owner_id', '=', ownerId).execute()).length).toBe(1);

    // Trashed photos still count; emptying the Trash makes room.
    const [only] = await t.db.selectFrom('photos').select('id').where('owner_id', '=', ownerId).execute();
    expect((await owner.post(`/photos/${only!.id}/trash/`, { _csrf: csrf })).statusCode).toBe(303);
    const again = multipartBody([{ name: 'image', value: uniqueBytes(await smallJpeg(64, 48)), filename: 'api.jpg', contentType: 'image/jpeg' }]);
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { authorization: `Bearer ${token}`, 'content-type': again.contentType }, payload: again.payload }), 413, 'payload_too_large');
    expect((await owner.post('/photos/trash/empty/', { _csrf: csrf })).statusCode).toBe(303);
    const room = multipartBody([{ name: 'image', value: uniqueBytes(await smallJpeg(64, 48)), filename: 'api.jpg', contentType: 'image/jpeg' }]);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { authorization: `Bearer ${token}`, 'content-type': room.contentType }, payload: room.payload })).statusCode).toBe(202);
  });

  it('uploads racing each other cannot pass the quota together: with room for one, exactly one of six is stored', async () => {
    const owner = clientWithOwnAddress(t.app, 34);
    await owner.signupAndLogin('quota_race');
    const ownerId = await idOf('quota_race');
    const token = (await createToken(owner, 'race')).token;
    const files = await Promise.all(Array.from({ length: 6 }, async () => uniqueBytes(await smallJpeg(64, 48))));
    const largest = Math.max(...files.map((f) => f.length));
    // Room for one file of this size, not two.
    await t.db.updateTable('users').set({ storage_quota_bytes: largest + 10 }).where('id', '=', ownerId).execute();
    const answers = await Promise.all(
      files.map((file, i) => {
        const body = multipartBody([{ name: 'image', value: file, filename: `race-${i}.jpg`, contentType: 'image/jpeg' }]);
        return t.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType }, payload: body.payload });
      }),
    );
    const statuses = answers.map((a) => a.statusCode).sort();
    expect(statuses).toEqual([202, 413, 413, 413, 413, 413]);
    for (const refused of answers.filter((a) => a.statusCode === 413)) expect(String(refused.json().detail)).toMatch(/^Storage quota of/);
    expect((await t.db.selectFrom('photos').select('id').where('owner_id', '=', ownerId).execute()).length).toBe(1);
    await t.app.jobWorker.drain();
    // Nothing of the refused uploads stays staged.
    expect(await readdir(t.config.stagingDir).catch(() => [])).toEqual([]);
  });

  it('lets an admin set a quota in MB or clear it, audited; refuses bad values; is a 404 for anyone else', async () => {
    const users = await admin.get('/admin/users/');
    expect(users.body).toContain(`action="/admin/users/${userId}/quota/"`);
    const csrf = extractCsrf(users.body)!;
    const set = await admin.post(`/admin/users/${userId}/quota/`, { _csrf: csrf, quota_mb: '500' });
    expect(set.statusCode).toBe(303);
    expect(set.headers.location).toBe('/admin/users/?done=quota');
    expect(Number(await quotaOf(userId))).toBe(500 * MB);
    expect((await admin.get('/admin/users/?done=quota')).body).toContain('The storage quota was saved.');
    expect((await user.get('/accounts/')).body).toMatch(/MB of 500 MB/);

    expect((await admin.post(`/admin/users/${userId}/quota/`, { _csrf: csrf, quota_mb: '' })).statusCode).toBe(303);
    expect(await quotaOf(userId)).toBeNull();
    expect((await user.get('/accounts/')).body).toContain('used (no limit)');

    const audit = await t.db.selectFrom('audit_log').select(['event', 'detail', 'target_name', 'actor_name']).where('event', '=', 'storage_quota_changed').orderBy('at').execute();
    expect(audit.map((a) => a.detail)).toEqual([`${2 * MB} bytes -> ${500 * MB} bytes`, `${500 * MB} bytes -> unlimited`]);
    expect(audit[0]).toMatchObject({ target_name: 'quota_user', actor_name: 'quota_admin' });

    for (const bad of ['abc', '-1', '1e3', '1.5', '99999999999', '1000000001', '<script>']) {
      const res = await admin.post(`/admin/users/${userId}/quota/`, { _csrf: csrf, quota_mb: bad });
      expect(res.statusCode, bad).toBe(400);
    }
    expect(await quotaOf(userId)).toBeNull();
    expect((await admin.post(`/admin/users/${userId}/quota/`, { quota_mb: '1' })).statusCode).toBe(403);
    expect((await admin.post('/admin/users/no-such-user/quota/', { _csrf: csrf, quota_mb: '1' })).statusCode).toBe(404);
    const userCsrf = extractCsrf((await user.get('/photos/')).body)!;
    expect((await user.post(`/admin/users/${userId}/quota/`, { _csrf: userCsrf, quota_mb: '999' })).statusCode).toBe(404);
    expect(await quotaOf(userId)).toBeNull();
  });
});

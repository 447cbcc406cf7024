import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesOf, newAccount } from '../accounts/data/account-data-fixtures.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { STRONG_PASSWORD } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { uploadProcessed } from '../support/photos.js';
import { API_TEST_ENV, createToken, expectProblem, sessionJson, withBearer } from './api-client.js';

interface ExportJson {
  id: string;
  status: string;
  bytes: number;
  photo_count: number;
  download_url: string | null;
  expires_at: string | null;
}

describe.each(DIALECTS)('account data API (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, API_TEST_ENV);
  });
  afterAll(() => t.close());

  it('requests an export (202), refuses a second one while it runs (409), reports its status and serves the zip to its owner only', async () => {
    const { client } = await newAccount(t, 'api_exp');
    const { token } = await createToken(client, 'exporter');
    const { client: other } = await newAccount(t, 'api_exp_other');
    const otherToken = (await createToken(other, 'nosy')).token;
    expectProblem(await withBearer(t, token, { url: '/api/v1/account/export' }), 404, 'not_found');
    // Without the CSRF header a session cannot request one.
    expectProblem(await sessionJson(client, 'POST', '/api/v1/account/export', undefined, null), 403, 'csrf_failed');

    await t.app.jobWorker.stop();
    let first: ExportJson;
    try {
      const created = await withBearer(t, token, { method: 'POST', url: '/api/v1/account/export' });
      expect(created.statusCode, created.body).toBe(202);
      first = created.json() as ExportJson;
      expect(first).toMatchObject({ status: 'queued', download_url: null, expires_at: null });
      expect(first.id).toMatch(/^[0-9a-f]{32}$/);
      expectProblem(await withBearer(t, token, { method: 'POST', url: '/api/v1/account/export' }), 409, 'conflict');
    } finally {
      await t.app.jobWorker.start();
    }
    await t.app.jobWorker.drain();

    const status = await withBearer(t, token, { url: '/api/v1/account/export' });
    expect(status.statusCode).toBe(200);
    const ready = status.json() as ExportJson;
    expect(ready).toMatchObject({ id: first.id, status: 'ready', photo_count: 0, download_url: `/api/v1/account/export/${first.id}/file` });
    const file = await withBearer(t, token, { url: ready.download_url! });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/zip');
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="photovault-export-/);
    expect(file.headers['cache-control']).toContain('no-store');
    expect(file.rawPayload.subarray(0, 4).toString('binary')).toBe('PK\u0003\u0004');
    expect(file.rawPayload.length).toBe(ready.bytes);

    // Another user's export id is 404, like one that never existed; hostile ids are 400.
    expectProblem(await withBearer(t, otherToken, { url: ready.download_url! }), 404, 'not_found');
    expectProblem(await withBearer(t, otherToken, { url: `/api/v1/account/export/${'0'.repeat(32)}/file` }), 404, 'not_found');
    for (const bad of ['..%2F..%2Fsecret', 'ZZZ', `${first.id}0`, '%00']) {
      expectProblem(await withBearer(t, token, { url: `/api/v1/account/export/${bad}/file` }), 400, 'validation_failed');
    }
    await t.db.updateTable('account_exports').set({ expires_at: Date.now() - 1 }).where('id', '=', first.id).execute();
    expectProblem(await withBearer(t, token, { url: ready.download_url! }), 404, 'not_found');
    const expired = (await withBearer(t, token, { url: '/api/v1/account/export' })).json() as ExportJson;
    expect(expired).toMatchObject({ status: 'expired', download_url: null });
    expectProblem(await t.app.inject({ url: ready.download_url! }), 401, 'unauthenticated');
  });

  it('deletes the account with the password in the body: wrong or missing input is refused, then every credential ends and the job removes the data', async () => {
    const { client, userId } = await newAccount(t, 'api_del');
    const { token } = await createToken(client, 'deleter');
    const photo = await uploadProcessed(t, client);
    expect((await withBearer(t, token, { method: 'POST', url: '/api/v1/account/export' })).statusCode).toBe(202);
    await t.app.jobWorker.drain();
    const exportId = ((await withBearer(t, token, { url: '/api/v1/account/export' })).json() as ExportJson).id;
    expect(await filesOf(t, [photo, exportId])).toHaveLength(4);

    expectProblem(await withBearer(t, token, { method: 'DELETE', url: '/api/v1/account', body: { password: 'certainly not it' } }), 400, 'validation_failed');
    expectProblem(await withBearer(t, token, { method: 'DELETE', url: '/api/v1/account', body: {} }), 400, 'validation_failed');
    expectProblem(await withBearer(t, token, { method: 'DELETE', url: '/api/v1/account', body: { password: STRONG_PASSWORD, role: 'admin' } }), 400, 'validation_failed');
    expectProblem(await withBearer(t, token, { method: 'DELETE', url: '/api/v1/account', body: { password: 'x'.repeat(5000) } }), 400, 'validation_failed');
    expectProblem(await sessionJson(client, 'DELETE', '/api/v1/account', { password: STRONG_PASSWORD }, null), 403, 'csrf_failed');
    expect((await client.get('/photos/')).statusCode).toBe(200);

    const deleted = await withBearer(t, token, { method: 'DELETE', url: '/api/v1/account', body: { password: STRONG_PASSWORD } });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expectProblem(await withBearer(t, token, { url: '/api/v1/me' }), 401, 'invalid_token');
    expect((await client.get('/photos/')).statusCode).toBe(303);
    await t.app.jobWorker.drain();
    expect(await filesOf(t, [photo, exportId])).toEqual([]);
    expect(await t.db.selectFrom('account_exports').select('id').where('user_id', '=', userId).execute()).toEqual([]);
  });

  it('documents every operation in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.paths['/api/v1/account/export']?.post?.operationId).toBe('requestExport');
    expect(doc.paths['/api/v1/account/export']?.get?.operationId).toBe('getExport');
    expect(doc.paths['/api/v1/account/export/{id}/file']?.get?.operationId).toBe('downloadExport');
    expect(doc.paths['/api/v1/account']?.delete?.operationId).toBe('deleteAccount');
  });
});

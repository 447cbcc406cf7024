import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../support/app.js';
import { STRONG_PASSWORD } from '../../support/client.js';
import { uploadProcessed } from '../../support/photos.js';
import { deleteKeys, redisMissing, TEST_REDIS_URL, testKeyPrefix } from '../../support/redis.js';
import { describeWith } from '../../support/requirements.js';
import { filesOf, newAccount } from './account-data-fixtures.js';

const REDIS_MISSING = await redisMissing();

// With REDIS_URL, jobs are queued after the commit: the mark and the row are the truth, and a
// housekeeping round queues the job of a deletion or an export whose job was lost.
describeWith(REDIS_MISSING, 'account deletion and export on BullMQ (REDIS_URL)', () => {
  let t: TestApp;
  const prefix = testKeyPrefix();

  beforeAll(async () => {
    t = await createTestApp('sqlite', { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(prefix);
  });

  const housekeepingRound = async (name: string) => {
    await t.app.jobWorker.enqueue({ id: `housekeeping-${name}`, kind: 'housekeeping', maxAttempts: 1 });
    await t.app.jobWorker.drain();
    // The round queued jobs of their own; let them run too.
    await t.app.jobWorker.drain();
  };

  it('exports and deletes through BullMQ', async () => {
    const { client, userId } = await newAccount(t, 'bull_leaver');
    const photo = await uploadProcessed(t, client);
    expect((await client.submit('/accounts/export/', {})).statusCode).toBe(303);
    await t.app.jobWorker.drain();
    const exported = await t.db.selectFrom('account_exports').select(['id', 'status']).where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(exported.status).toBe('ready');
    expect((await client.submit('/accounts/delete/', { password: STRONG_PASSWORD })).statusCode).toBe(303);
    await t.app.jobWorker.drain();
    expect(await filesOf(t, [photo, exported.id])).toEqual([]);
    const row = await t.db.selectFrom('users').select('purged_at').where('id', '=', userId).executeTakeFirstOrThrow();
    expect(Number(row.purged_at)).toBeGreaterThan(0);
  });

  it('housekeeping queues the job of a deletion and of an export whose job was lost after the commit', async () => {
    const { client, userId } = await newAccount(t, 'bull_lost');
    const photo = await uploadProcessed(t, client);
    // As if the process died between the commit and the enqueue: rows, no job.
    const exportId = 'c'.repeat(32);
    await t.db.insertInto('account_exports').values({ id: exportId, user_id: userId, status: 'queued', created_at: Date.now() }).execute();
    await housekeepingRound('export');
    expect((await t.db.selectFrom('account_exports').select('status').where('id', '=', exportId).executeTakeFirstOrThrow()).status).toBe('ready');
    await t.db.updateTable('users').set({ deleted_at: Date.now(), disabled_at: Date.now() }).where('id', '=', userId).execute();
    await housekeepingRound('deletion');
    expect(Number((await t.db.selectFrom('users').select('purged_at').where('id', '=', userId).executeTakeFirstOrThrow()).purged_at)).toBeGreaterThan(0);
    expect(await filesOf(t, [photo, exportId])).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { HOUSEKEEPING_JOB } from '../../src/jobs/housekeeping.js';
import { createTrashRepository } from '../../src/trash/trash-repository.js';
import { createTrashService } from '../../src/trash/trash-service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { DIALECTS, openMigratedDatabase } from '../support/databases.js';
import { signedInClient, uploadReadyPhoto } from '../shares/share-fixtures.js';

const DAY = 86_400_000;
const newId = () => randomBytes(16).toString('hex');

describe.each(DIALECTS)('purging the Trash (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let owner: string;

  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase(dialect));
    owner = newId();
    await db.insertInto('users').values({ id: owner, username: 'purger', username_key: 'purger', email: 'p@example.com', password_hash: 'x', created_at: 0, password_changed_at: 0 }).execute();
  });
  afterAll(() => close());

  it('deletes photos trashed longer than the retention, with their files, on a fake clock', async () => {
    let clock = 1_000 * DAY;
    const discarded: string[] = [];
    const trash = createTrashService({
      trash: createTrashRepository(db),
      photos: { discardFiles: async (_owner, id) => void discarded.push(id), forget: () => {} },
      retentionDays: 30,
      now: () => clock,
    });
    const ids = Array.from({ length: 4 }, newId);
    for (const id of ids) await db.insertInto('photos').values({ id, owner_id: owner, status: 'ready', title: '', created_at: 0 }).execute();
    const [early, later, restored, library] = ids as [string, string, string, string];
    expect(await trash.trash(owner, [early, restored])).toBe(true);
    clock += 10 * DAY;
    expect(await trash.trash(owner, [later])).toBe(true);
    expect(library).toBeTruthy();

    clock += 19 * DAY;
    expect(await trash.purgeExpired()).toBe(0);
    expect((await trash.list(owner, 10, 0))[0]?.purgeAt).toBe(1_010 * DAY + 30 * DAY);
    await trash.restore(owner, restored);
    clock += 1 * DAY + 1;
    expect(await trash.purgeExpired()).toBe(1);
    expect(discarded).toEqual([early]);
    clock += 10 * DAY;
    expect(await trash.purgeExpired()).toBe(1);
    expect(discarded).toEqual([early, later]);
    expect(await trash.purgeExpired()).toBe(0);
    const left = (await db.selectFrom('photos').select('id').where('owner_id', '=', owner).execute()).map((r) => r.id).sort();
    expect(left).toEqual([restored, library].sort());
  });

  it('is safe when two processes purge at once: each photo is deleted, and its files removed, once', async () => {
    const clock = 5_000 * DAY;
    const discarded: string[] = [];
    const make = () =>
      createTrashService({ trash: createTrashRepository(db), photos: { discardFiles: async (_o, id) => void discarded.push(id), forget: () => {} }, retentionDays: 1, now: () => clock });
    const ids = Array.from({ length: 12 }, newId);
    for (const id of ids) await db.insertInto('photos').values({ id, owner_id: owner, status: 'ready', title: '', created_at: 0, trashed_at: clock - 2 * DAY }).execute();
    const [a, b] = await Promise.all([make().purgeExpired(), make().purgeExpired()]);
    expect(a + b).toBe(12);
    expect([...discarded].sort()).toEqual([...ids].sort());
  });
});

describe('the housekeeping job purges the Trash', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { MODERATION_ENABLED: 'false', TRASH_RETENTION_DAYS: '2' });
  });
  afterAll(() => t.close());

  it('removes an expired trashed photo and its media in a housekeeping round, and keeps a recent one', async () => {
    const client = await signedInClient(t, 'housekeeper');
    const [old, recent] = [await uploadReadyPhoto(t, client), await uploadReadyPhoto(t, client)];
    await t.db.updateTable('photos').set({ trashed_at: Date.now() - 3 * DAY }).where('id', '=', old).execute();
    await t.db.updateTable('photos').set({ trashed_at: Date.now() - 1 * DAY }).where('id', '=', recent).execute();
    expect((await client.get(`/photos/${old}/media/thumb.jpg`)).statusCode).toBe(200);
    await t.app.jobWorker.enqueue({ id: `${HOUSEKEEPING_JOB}-test`, kind: HOUSEKEEPING_JOB, maxAttempts: 1, at: Date.now() });
    await t.app.jobWorker.drain();
    expect(await t.db.selectFrom('photos').select('id').where('id', '=', old).executeTakeFirst()).toBeUndefined();
    expect((await client.get(`/photos/${old}/media/thumb.jpg`)).statusCode).toBe(404);
    expect((await t.db.selectFrom('photos').select('id').where('id', '=', recent).executeTakeFirst())?.id).toBe(recent);
  });
});

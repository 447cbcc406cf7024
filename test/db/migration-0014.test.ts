import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

describe.each(DIALECTS)('migration 0014: the Trash and storage quotas (%s)', (dialect) => {
  let db: Db | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('leaves existing photos in the library and existing users unlimited, and migrates down and up again', async () => {
    database = await createTestDatabase(dialect);
    db = createDatabase(loadConfig({ DATA_DIR: database.dataDir, DATABASE_URL: database.url }).database);
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    expect((await migrator.migrateTo('0013-albums')).error).toBeUndefined();
    // Rows as the schema before 0014 had them.
    await db.insertInto('users').values({ id: 'u1', username: 'u1', username_key: 'u1', email: 'u1@example.com', password_hash: 'x', created_at: 1, password_changed_at: 1 } as never).execute();
    await db.insertInto('photos').values({ id: 'p1', owner_id: 'u1', status: 'ready', title: '', created_at: 1 } as never).execute();
    await migrateToLatest(db);
    expect(await db.selectFrom('photos').select('trashed_at').where('id', '=', 'p1').executeTakeFirstOrThrow()).toEqual({ trashed_at: null });
    expect(await db.selectFrom('users').select('storage_quota_bytes').where('id', '=', 'u1').executeTakeFirstOrThrow()).toEqual({ storage_quota_bytes: null });
    await db.updateTable('photos').set({ trashed_at: 5 }).where('id', '=', 'p1').execute();

    expect((await migrator.migrateTo('0013-albums')).error).toBeUndefined();
    const photo = await db.selectFrom('photos').selectAll().where('id', '=', 'p1').executeTakeFirstOrThrow();
    expect(Object.keys(photo)).not.toContain('trashed_at');
    expect(Object.keys(await db.selectFrom('users').selectAll().where('id', '=', 'u1').executeTakeFirstOrThrow())).not.toContain('storage_quota_bytes');
    await migrateToLatest(db);
    expect(await db.selectFrom('photos').select('trashed_at').where('id', '=', 'p1').executeTakeFirstOrThrow()).toEqual({ trashed_at: null });
  });
});

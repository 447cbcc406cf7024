import { Migrator } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createUserRepository } from '../../src/accounts/user-repository.js';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

describe.each(DIALECTS)('migration 0010: email look-up key and reset tokens (%s)', (dialect) => {
  let db: Db | undefined;
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('fills email_key for the users that already exist, so their addresses are found case-insensitively', async () => {
    database = await createTestDatabase(dialect);
    db = createDatabase(loadConfig({ DATA_DIR: database.dataDir, DATABASE_URL: database.url }).database);
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0010'));
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest();
    expect(error).toBeUndefined();
    for (const [id, email] of [['u1', 'Ada@Example.COM'], ['u2', 'ada@example.com'], ['u3', 'Ünïcode@Exämple.org']] as const) {
      // A row as the schema before 0010 had it: no email_key column yet.
      await db.insertInto('users').values({ id, username: id, username_key: id, email, password_hash: 'x', created_at: 1, password_changed_at: 1 } as never).execute();
    }
    await migrateToLatest(db);
    const users = createUserRepository(db);
    expect((await users.findByEmail('ADA@example.com')).map((u) => u.id).sort()).toEqual(['u1', 'u2']);
    expect((await users.findByEmail('ünïcode@exämple.ORG')).map((u) => u.id)).toEqual(['u3']);
    expect(await users.findByEmail('nobody@example.com')).toEqual([]);
    expect(await db.selectFrom('password_reset_tokens').selectAll().execute()).toEqual([]);
  });
});

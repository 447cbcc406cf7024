import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileLookup } from '../../src/db/compiled-query.js';
import type { Db } from '../../src/db/database.js';
import { DIALECTS, openMigratedDatabase } from '../support/databases.js';

describe.each(DIALECTS)('compileLookup (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase(dialect));
    const user = (id: string, username: string) => ({ id, username, username_key: username, email: `${username}@example.com`, password_hash: 'x', created_at: 1, password_changed_at: 1 });
    await db.insertInto('users').values([user('u1', 'alice'), user('u2', "o'brien; DROP TABLE users; --")]).execute();
  });
  afterAll(async () => {
    await close?.();
  });

  it('runs one compiled query with each call’s values, bound as parameters', async () => {
    const byName = compileLookup(db, (slot) => db.selectFrom('users').select(['id', 'username']).where('username', '=', slot(0)).where('created_at', '=', 1));
    expect(await byName.first('alice')).toEqual({ id: 'u1', username: 'alice' });
    expect(await byName.first("o'brien; DROP TABLE users; --")).toEqual({ id: 'u2', username: "o'brien; DROP TABLE users; --" });
    expect(await byName.first("' OR '1'='1")).toBeUndefined();
    expect(await byName.rows('nobody')).toEqual([]);
    expect((await db.selectFrom('users').select('id').execute()).length).toBe(2);
  });

  it('fills several slots in any order, and refuses a slot that is not a parameter', async () => {
    const both = compileLookup(db, (slot) => db.selectFrom('users').select('id').where('email', '=', slot(1)).where('id', '=', slot(0)));
    expect(await both.first('u1', 'alice@example.com')).toEqual({ id: 'u1' });
    expect(await both.first('u2', 'alice@example.com')).toBeUndefined();
    expect(() => compileLookup(db, (slot) => (slot(0), db.selectFrom('users').select('id')))).toThrow(/slot/);
  });
});

import { createRequire } from 'node:module';
import type { SqliteDatabase } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/db/statement-cache.js';

type Libsql = typeof import('libsql');
const Database = createRequire(import.meta.url)('libsql') as Libsql;

// A real libsql database, counting what the cache asks of each native statement.
function countingDatabase() {
  const database = new Database(':memory:');
  database.exec(`create table t (id integer primary key, name text); insert into t values (1, 'a'), (2, 'b'), (3, 'c');`);
  const calls = { prepare: 0, reader: 0, all: 0, get: 0 };
  const counting: SqliteDatabase = {
    prepare(sql) {
      calls.prepare++;
      const statement = database.prepare(sql);
      const counted = {
        get reader() {
          calls.reader++;
          return statement.reader;
        },
        all: (parameters: readonly unknown[]) => (calls.all++, statement.all(parameters)),
        get: (parameters: readonly unknown[]) => (calls.get++, statement.get(parameters)),
        raw: (on?: boolean) => (statement.raw(on), counted),
        columns: () => statement.columns(),
        run: (parameters: readonly unknown[]) => statement.run(parameters),
        iterate: (parameters: readonly unknown[]) => statement.iterate(parameters),
      };
      return counted as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
    close: () => database.close(),
  };
  return { cache: withStatementCache(counting), calls, database };
}

describe('the SQLite statement cache (issue 18: single-row queries run with get)', () => {
  it('prepares each SQL text once and reads whether it returns rows once', () => {
    const { cache, calls } = countingDatabase();
    for (let i = 0; i < 3; i++) {
      const statement = cache.prepare('select name from t where id = ?');
      expect(statement.reader).toBe(true);
      expect(statement.all([2])).toEqual([{ name: 'b' }]);
    }
    expect(calls).toMatchObject({ prepare: 1, reader: 1 });
    expect(cache.prepare('update t set name = ? where id = ?').reader).toBe(false);
  });

  it('runs a query limited to one row with get, and gives the same rows as all', () => {
    const { cache, calls } = countingDatabase();
    const rows = (sql: string, parameters: unknown[]) => cache.prepare(sql).all(parameters);
    // Exactly the row object all() makes (no _metadata), the columns in order.
    const row = rows('select id, name, id * 2 as twice, null as empty from t order by id limit ?', [1]);
    expect(row).toStrictEqual([{ id: 1, name: 'a', twice: 2, empty: null }]);
    expect(Object.keys(row[0] as object)).toEqual(['id', 'name', 'twice', 'empty']);
    expect(rows('select id from t order by id limit 1', [])).toEqual([{ id: 1 }]);
    expect(rows('select id from t where id = ? limit ?', [9, 1])).toEqual([]);
    expect(calls).toMatchObject({ get: 3, all: 0 });
    // The same statement with another limit: all(), as before.
    expect(rows('select id from t order by id limit ?', [2])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(calls).toMatchObject({ get: 3, all: 1 });
  });

  it('gives the table\'s current columns after a column is added or dropped under a cached select *', () => {
    const { cache, database } = countingDatabase();
    const row = () => cache.prepare('select * from t where id = ? limit ?').all([1, 1]);
    expect(row()).toStrictEqual([{ id: 1, name: 'a' }]);
    database.exec(`alter table t add column colour text default 'red'`);
    expect(row()).toStrictEqual([{ id: 1, name: 'a', colour: 'red' }]);
    database.exec('alter table t drop column name');
    expect(row()).toStrictEqual([{ id: 1, colour: 'red' }]);
  });

  it('keeps all() where one object per row could lose a column: repeated column names', () => {
    const { cache, calls } = countingDatabase();
    const rows = cache.prepare('select a.id, b.id from t a join t b on b.id = a.id order by a.id limit 1').all([]);
    expect(rows).toHaveLength(1);
    expect(calls).toMatchObject({ get: 0, all: 1 });
  });

  it('keeps all() for every other query: a larger limit, a limit not at the end, no limit', () => {
    const { cache, calls } = countingDatabase();
    expect(cache.prepare('select id from t order by id limit ?').all([2])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(cache.prepare('select id from t order by id limit ? offset ?').all([1, 1])).toEqual([{ id: 2 }]);
    expect(cache.prepare('select id from t order by id limit 10').all([])).toHaveLength(3);
    expect(cache.prepare("select id from t where name <> 'limit 1' order by id").all([])).toHaveLength(3);
    expect(cache.prepare('select id from t order by id').all([])).toHaveLength(3);
    expect(calls).toMatchObject({ get: 0, all: 5 });
  });
});

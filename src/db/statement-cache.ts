import type { SqliteDatabase, SqliteStatement } from 'kysely';

const DEFAULT_MAX_STATEMENTS = 256;

// A query whose SQL ends in `limit ?` (Kysely's `.limit(n)`), run with n = 1, or in a literal
// `limit 1`: it can return one row at most.
const TRAILING_LIMIT_PARAMETER = /\slimit \?$/i;
const TRAILING_LIMIT_ONE = /\slimit 1$/i;
// Kysely's selectAll(): `select * from …` or `select "t".* from …`.
const SELECTS_ALL_COLUMNS = /select \*|"\.\*/i;

/**
 * Kysely's SqliteDialect calls `prepare(sql)` for every query, and compiling SQL is most of the
 * cost of a small query. This wrapper keeps one prepared statement per SQL text (Kysely's SQL is
 * parameterised, so the texts are the code's own few hundred shapes, never built from input) and
 * evicts the oldest beyond `max` (e.g. `IN (?, ?, …)` lists of varying length).
 * Reusing a statement is safe here: the dialect runs one query at a time on its single connection
 * (a mutex), and each query finishes with the statement (`all`/`run`, or a stream that holds the
 * connection until it ends) before the next one binds it again. SQLite re-prepares a statement by
 * itself when the schema changes (migrations).
 *
 * Two more per-query costs of libsql go here too (issue 18: the session look-up every signed-in
 * request makes): `reader`, which Kysely reads on every query, is a call into the native library
 * each time, so it is read once per statement; and `all()` sets up a row iterator that fetches in
 * batches of 100: for the session look-up 12.5 µs of CPU, against 3.9 µs for a raw-mode `get()`
 * and building the row object here (libsql 0.5.29 directly, 50,000 runs), so a query limited to
 * one row (see above) is run that way and returns the same rows.
 */
export function withStatementCache(database: SqliteDatabase, max = DEFAULT_MAX_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = cachedStatement(database, database.prepare(sql), sql);
        statements.set(sql, statement);
        if (statements.size > max) {
          const oldest = statements.keys().next();
          if (!oldest.done) statements.delete(oldest.value);
        }
      }
      return statement;
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
}

/** What libsql's statement (better-sqlite3's API) has beyond Kysely's interface. */
interface LibsqlStatement extends SqliteStatement {
  raw?(raw?: boolean): LibsqlStatement;
  columns?(): { readonly name: string }[];
  get?(parameters: ReadonlyArray<unknown>): unknown;
}

function cachedStatement(database: SqliteDatabase, statement: LibsqlStatement, sql: string): SqliteStatement {
  const reader = statement.reader;
  const first = reader ? firstRowReader(database, sql) : undefined;
  return {
    reader,
    all: first === undefined ? (parameters) => statement.all(parameters) : (parameters) => first(parameters) ?? statement.all(parameters),
    run: (parameters) => statement.run(parameters),
    iterate: (parameters) => statement.iterate(parameters),
  };
}

/**
 * For a query that can return one row at most (a trailing `limit 1`, or `limit ?` bound to 1): a
 * function giving its rows as `all()` would, from one `get()` on a raw-mode twin of the statement
 * (libsql's object-mode `get()` adds a `_metadata` property to the row, so the row object is built
 * here from the column names, read once); it returns undefined for any other limit. Undefined for
 * other queries, a driver without raw mode, or columns whose names repeat (an object would lose one).
 */
function firstRowReader(database: SqliteDatabase, sql: string): ((parameters: ReadonlyArray<unknown>) => unknown[] | undefined) | undefined {
  const limitOne = TRAILING_LIMIT_ONE.test(sql);
  const limitParameter = TRAILING_LIMIT_PARAMETER.test(sql);
  if (!limitOne && !limitParameter) return undefined;
  // Column names are read once, here; SQLite re-prepares a statement after a schema change, and a
  // `select *` (or "t".*) then yields the table's new columns, which those names would misname.
  if (SELECTS_ALL_COLUMNS.test(sql)) return undefined;
  const twin = database.prepare(sql) as LibsqlStatement;
  if (typeof twin.raw !== 'function' || typeof twin.columns !== 'function' || typeof twin.get !== 'function') return undefined;
  const names = twin.columns().map((column) => column.name);
  if (new Set(names).size !== names.length) return undefined;
  const raw = twin.raw(true);
  return (parameters) => {
    if (!limitOne && parameters.at(-1) !== 1) return undefined;
    const values = raw.get?.(parameters) as unknown[] | undefined;
    if (values === undefined) return [];
    const row: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i];
    return [row];
  };
}

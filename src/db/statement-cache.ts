import type { SqliteDatabase, SqliteStatement } from 'kysely';

const DEFAULT_MAX_STATEMENTS = 256;

/**
 * Kysely's SqliteDialect calls `prepare(sql)` for every query, and compiling SQL is most of the
 * cost of a small query. This wrapper keeps one prepared statement per SQL text (Kysely's SQL is
 * parameterised, so the texts are the code's own few hundred shapes, never built from input) and
 * evicts the oldest beyond `max` (e.g. `IN (?, ?, …)` lists of varying length).
 * Reusing a statement is safe here: the dialect runs one query at a time on its single connection
 * (a mutex), and each query finishes with the statement (`all`/`run`, or a stream that holds the
 * connection until it ends) before the next one binds it again. SQLite re-prepares a statement by
 * itself when the schema changes (migrations).
 */
export function withStatementCache(database: SqliteDatabase, max = DEFAULT_MAX_STATEMENTS): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
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

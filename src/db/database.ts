import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type Dialect, type MigrationResultSet } from 'kysely';
import type { DatabaseConfig } from '../config/config.js';
import { ConfigError } from '../config/env-parsers.js';
import { redactedUrl } from '../runtime/redacted-url.js';
import { withTimeout } from '../runtime/with-timeout.js';
import { withSqliteTracing } from '../telemetry/sqlite-tracing.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';
import { withStatementCache } from './statement-cache.js';

export type Db = Kysely<Database>;

const PG_INT8_OID = 20;

type Pg = typeof import('pg');
type Libsql = typeof import('libsql');

/** libsql's native library, loaded only for SQLite: a PostgreSQL web instance never maps it (~10 MB). */
function loadLibsql(): Libsql {
  return createRequire(import.meta.url)('libsql') as Libsql;
}

/**
 * node-postgres, loaded only for a PostgreSQL URL, and through require(): that is the path the
 * OpenTelemetry pg instrumentation patches without an ESM loader hook (see telemetry/start-sdk.ts).
 */
function loadPg(): Pg {
  return createRequire(import.meta.url)('pg') as Pg;
}

/** Opens the configured database (SQLite file or PostgreSQL pool). */
export function createDatabase(config: DatabaseConfig): Db {
  return new Kysely<Database>({ dialect: createDialect(config) });
}

function createDialect(config: DatabaseConfig): Dialect {
  if (config.dialect === 'postgres') {
    const pg = loadPg();
    const pool = new pg.Pool({
      connectionString: config.url,
      max: 10,
      // A server that accepts no connection (down, failing over) fails the query after 5 s instead
      // of holding the request forever; the error mapper answers it 503.
      connectionTimeoutMillis: 5_000,
      // Epoch-millisecond bigints fit in a double; parse them as numbers for this pool only.
      types: {
        getTypeParser: (oid: number, format?: 'text' | 'binary') =>
          oid === PG_INT8_OID ? (value: string) => Number(value) : (pg.types.getTypeParser(oid, format) as (value: string) => unknown),
      },
    });
    // node-postgres emits an idle client's lost connection (server restart, failover, a terminated
    // backend) on the pool; without a listener that 'error' would crash the process. The pool drops
    // the client and opens a new one on the next query, so there is nothing else to do here.
    pool.on('error', () => undefined);
    // While a client is checked out (between two queries of a transaction) the pool's listener is
    // detached, and the same 'error' would be unhandled. The failed query reports the error; the
    // pool discards the broken client when it is released.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new PostgresDialect({ pool });
  }
  mkdirSync(path.dirname(config.file), { recursive: true, mode: 0o700 });
  const SqliteDatabase = loadLibsql();
  // Traced at the driver seam: libsql has no OpenTelemetry instrumentation (pg has one).
  return withSqliteTracing(new SqliteDialect({
    database: async () => {
      const database = new SqliteDatabase(config.file);
      // First: switching a new file to WAL takes a lock that another process starting now may hold.
      database.pragma('busy_timeout = 5000');
      database.pragma('journal_mode = WAL');
      database.pragma('foreign_keys = ON');
      database.pragma('synchronous = NORMAL');
      // libsql implements better-sqlite3's API, which Kysely's SqliteDialect drives; each SQL text
      // is compiled once (see statement-cache.ts).
      return withStatementCache(database);
    },
  }));
}

/**
 * Applies every pending migration, exactly once however many processes start together; throws with
 * the failing migration's name. PostgreSQL: Kysely's migrator holds a session advisory lock
 * (pg_advisory_lock) on one connection around reading the applied list and running the rest in one
 * transaction, so a second instance waits, then finds nothing left to do. SQLite: the whole run is
 * one BEGIN IMMEDIATE transaction, which takes the file's write lock before the applied list is read
 * (a deferred BEGIN would let two processes read "pending" and then collide).
 */
export async function migrateToLatest(db: Db): Promise<void> {
  const adapter = db.getExecutor().adapter;
  const { error, results } = adapter instanceof SqliteAdapter ? await migrateSqliteImmediately(db) : await newMigrator(db).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed`, { cause: error });
  }
}

function newMigrator(db: Kysely<Database>, disableTransactions = false): Migrator {
  return new Migrator({ db, disableTransactions, provider: { getMigrations: async () => migrations } });
}

const SQLITE_LOCK_WAIT_MS = 120_000;

function isSqliteBusy(error: unknown): boolean {
  // libsql's SqliteError carries the code; its message is "database is locked".
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) || (typeof message === 'string' && /database is locked/i.test(message));
}

async function migrateSqliteImmediately(db: Db): Promise<MigrationResultSet> {
  return db.connection().execute(async (connection) => {
    // busy_timeout (5 s) bounds each try; another process's migrations may take longer than that.
    const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
    for (;;) {
      try {
        await sql`begin immediate`.execute(connection);
        break;
      } catch (error) {
        if (!isSqliteBusy(error) || Date.now() > deadline) throw error;
      }
    }
    let result: MigrationResultSet;
    try {
      result = await newMigrator(connection, true).migrateToLatest();
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
    await sql`${sql.raw(result.error ? 'rollback' : 'commit')}`.execute(connection);
    return result;
  });
}

const REACH_TIMEOUT_MS = 10_000;

/**
 * Start-up check: a PostgreSQL server that is down, refuses us or does not answer stops start-up
 * within 10 s with a ConfigError naming DATABASE_URL (its password masked), not a hang or a stack.
 */
export async function reachDatabase(db: Db, config: DatabaseConfig): Promise<void> {
  if (config.dialect !== 'postgres') return;
  try {
    await withTimeout(pingDatabase(db), REACH_TIMEOUT_MS);
  } catch (error) {
    throw new ConfigError('DATABASE_URL', `cannot be reached (${redactedUrl(config.url)}): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Readiness probe: one round trip to the database. */
export async function pingDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}

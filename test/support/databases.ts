import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase, migrateToLatest, type Db } from '../../src/db/database.js';

/** Every database test runs against each of these (Kysely's DIALECTS pattern). */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

// The PostgreSQL server the tests create throwaway databases on; .ci/run makes sure it answers.
const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** The DATABASE_URL for the app ('' means the SQLite default inside DATA_DIR). */
  readonly url: string;
  readonly dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given dialect plus a fresh DATA_DIR. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'photovault-test-'));
  if (dialect === 'sqlite') {
    return { url: '', dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const name = `pv_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dataDir,
    async drop() {
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database of `dialect`, opened with the app's own Kysely setup and migrated. */
export async function openMigratedDatabase(dialect: Dialect): Promise<{ db: Db; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const db = createDatabase(loadConfig({ DATA_DIR: database.dataDir, DATABASE_URL: database.url }).database);
  await migrateToLatest(db);
  return {
    db,
    database,
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}

/** A bare user row for repository tests (no password, no sessions): its new random id. */
export async function insertUser(db: Db, name: string): Promise<string> {
  const id = randomBytes(16).toString('hex');
  await db.insertInto('users').values({ id, username: name, username_key: name, email: `${name}@example.com`, password_hash: 'x', created_at: 0, password_changed_at: 0 }).execute();
  return id;
}

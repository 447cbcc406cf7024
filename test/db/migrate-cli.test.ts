import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { runEntry, type CliResult } from '../support/cli.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';

/** `npm run migrate` as a deployment's one-shot step runs it (its entry through tsx). */
function runMigrate(env: Record<string, string>): Promise<CliResult> {
  return runEntry('src/migrate.ts', [], { PATH: process.env.PATH ?? '', NODE_ENV: 'test', OTEL_SDK_DISABLED: 'true', ...env });
}

describe.each(DIALECTS)('npm run migrate (%s)', (dialect) => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    env = { DATA_DIR: database.dataDir, DATABASE_URL: database.url };
  });
  afterAll(() => database.drop());

  it('applies every migration to an empty database and exits 0; a second run changes nothing', async () => {
    const first = await runMigrate(env);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toBe(`Database schema is up to date (${dialect}).\n`);
    const db = createDatabase(loadConfig(env).database);
    try {
      const applied = await db.selectFrom('kysely_migration' as never).select('name' as never).execute();
      expect(applied.map((row) => (row as { name: string }).name).sort()).toEqual(Object.keys(migrations).sort());
      // The schema is usable: the users table exists and is empty.
      expect(await db.selectFrom('users').select('id').execute()).toEqual([]);
    } finally {
      await db.destroy();
    }
    expect(await runMigrate(env)).toMatchObject({ code: 0 });
  }, 60_000);
});

describe('npm run migrate refuses bad settings', () => {
  it('exits 78 naming a malformed DATABASE_URL', async () => {
    const result = await runMigrate({ DATA_DIR: '/nonexistent', DATABASE_URL: 'mysql://db/photovault' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL');
  }, 30_000);

  it('exits 1 with a message when the database cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const result = await runMigrate({ DATA_DIR: '/nonexistent', DATABASE_URL: 'postgres://photovault@127.0.0.1:1/photovault' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^migrate failed: /);
    expect(result.stderr).not.toContain('    at ');
  }, 30_000);
});

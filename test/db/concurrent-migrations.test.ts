import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createTestDatabase, DIALECTS } from '../support/databases.js';

// Issue 14 item 4: migrations run exactly once when several instances start together. Three real
// processes open a fresh database, wait until all are ready, and migrate at the same moment: each
// must succeed (the others find nothing left to do) and every migration must be recorded once. Our
// migrations create tables without IF NOT EXISTS, so running one twice would fail a process.

const INSTANCES = 3;

interface Migrator {
  readonly child: ChildProcess;
  output(): string;
  waitFor(text: string): Promise<void>;
}

function startMigrator(env: Record<string, string>): Migrator {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/db/support/migrate-on-signal.ts'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return {
    child,
    output: () => out,
    waitFor: (text) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (out.includes(text)) return resolve();
          if (child.exitCode !== null) return reject(new Error(`exited before "${text}":\n${out}`));
          setTimeout(check, 20);
        };
        check();
      }),
  };
}

describe.each(DIALECTS)(`migrations started by ${INSTANCES} instances at once (%s)`, (dialect) => {
  it('run exactly once, and every instance starts', async () => {
    const database = await createTestDatabase(dialect);
    try {
      const env = { DATA_DIR: database.dataDir, DATABASE_URL: database.url, OTEL_SDK_DISABLED: 'true' };
      const started = Array.from({ length: INSTANCES }, () => startMigrator(env));
      await Promise.all(started.map((m) => m.waitFor('ready')));
      for (const m of started) m.child.stdin?.write('go\n');
      const codes = await Promise.all(started.map((m) => (m.child.exitCode !== null ? m.child.exitCode : new Promise<number | null>((resolve) => m.child.once('exit', resolve)))));
      expect(codes, started.map((m) => m.output()).join('\n---\n')).toEqual(Array(INSTANCES).fill(0));
      for (const m of started) expect(m.output()).toContain('migrated');

      const db = createDatabase(loadConfig({ DATA_DIR: database.dataDir, DATABASE_URL: database.url }).database);
      try {
        const applied = await db.selectFrom('kysely_migration' as never).select('name' as never).execute();
        const names = applied.map((row) => (row as { name: string }).name).sort();
        expect(names).toEqual(Object.keys(migrations).sort());
        expect(new Set(names).size).toBe(names.length);
      } finally {
        await db.destroy();
      }
    } finally {
      await database.drop();
    }
  }, 60_000);
});

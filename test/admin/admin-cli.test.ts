import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { runEntry, type CliResult } from '../support/cli.js';
import { TestClient } from '../support/client.js';

/** `npm run admin -- …` as the operator runs it (its entry through tsx), on the test app's database. */
function runCli(t: TestApp, args: readonly string[], stdin = ''): Promise<CliResult> {
  const env = { ...process.env, DATA_DIR: t.database.dataDir, DATABASE_URL: t.database.url, NODE_ENV: 'test', OTEL_SDK_DISABLED: 'true' };
  return runEntry('src/admin-cli.ts', args, env, stdin);
}

const role = async (t: TestApp, username: string) =>
  (await t.db.selectFrom('users').select(['role', 'disabled_at']).where('username_key', '=', username).executeTakeFirstOrThrow());

describe.each(DIALECTS)('npm run admin (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    await new TestClient(t.app).signup('operator_target');
  });
  afterAll(() => t.close());

  it('promotes and demotes, auditing each as the CLI', async () => {
    const promoted = await runCli(t, ['promote', 'Operator_Target']);
    expect(promoted).toMatchObject({ code: 0, stdout: 'operator_target: promoted.\n' });
    expect((await role(t, 'operator_target')).role).toBe('admin');
    expect((await runCli(t, ['promote', 'operator_target'])).stdout).toContain('no change');
    expect((await runCli(t, ['demote', 'operator_target'])).code).toBe(0);
    expect((await role(t, 'operator_target')).role).toBe('user');
    const entries = await t.db.selectFrom('audit_log').select(['event', 'actor_name']).where('target_name', '=', 'operator_target').execute();
    expect(entries).toEqual(expect.arrayContaining([{ event: 'admin_promoted', actor_name: 'cli' }, { event: 'admin_demoted', actor_name: 'cli' }]));
  }, 60_000);

  it('disables (sessions end, login refused) and enables', async () => {
    const client = new TestClient(t.app);
    await client.login('operator_target');
    expect((await runCli(t, ['disable', 'operator_target'])).code).toBe(0);
    expect((await role(t, 'operator_target')).disabled_at).toBeGreaterThan(0);
    expect((await client.get('/photos/')).statusCode).toBe(303);
    expect((await new TestClient(t.app).login('operator_target')).statusCode).toBe(403);
    expect((await runCli(t, ['enable', 'operator_target'])).code).toBe(0);
    expect((await new TestClient(t.app).login('operator_target')).statusCode).toBe(303);
  }, 60_000);

  it('resets a password: generated and printed once, or read from stdin and policy-checked', async () => {
    const generated = await runCli(t, ['reset-password', 'operator_target']);
    expect(generated.code).toBe(0);
    const password = /New password of operator_target: (\S+)/.exec(generated.stdout)?.[1];
    expect(password).toMatch(/^[\w-]{24}$/);
    expect((await new TestClient(t.app).login('operator_target', password)).statusCode).toBe(303);

    const weak = await runCli(t, ['reset-password', 'operator_target', '--stdin'], 'password\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('Password refused');
    const chosen = 'copper meadow falcon drift';
    const given = await runCli(t, ['reset-password', 'operator_target', '--stdin'], `${chosen}\n`);
    expect(given.code).toBe(0);
    expect(given.stdout).not.toContain(chosen);
    expect((await new TestClient(t.app).login('operator_target', chosen)).statusCode).toBe(303);
  }, 60_000);

  it('refuses unknown users and bad usage without a stack trace', async () => {
    const unknown = await runCli(t, ['promote', 'nobody_here']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'No user named "nobody_here".\n' });
    for (const args of [['promote'], ['promote', 'operator_target', '--stdin']]) {
      const result = await runCli(t, args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^usage: npm run admin/);
    }
  }, 60_000);
});

describe('ADMIN_USERNAME', () => {
  it('promotes that user at start-up, audited', async () => {
    const first = await createTestApp('sqlite');
    await new TestClient(first.app).signup('first_admin');
    await first.app.close();
    const second = await createTestApp('sqlite', { DATA_DIR: first.database.dataDir, ADMIN_USERNAME: 'First_Admin' });
    try {
      expect((await second.db.selectFrom('users').select('role').where('username_key', '=', 'first_admin').executeTakeFirstOrThrow()).role).toBe('admin');
      const entry = await second.db.selectFrom('audit_log').selectAll().where('event', '=', 'admin_promoted').executeTakeFirstOrThrow();
      expect(entry).toMatchObject({ actor_name: 'ADMIN_USERNAME', target_name: 'first_admin' });
    } finally {
      await second.close();
      await first.database.drop();
    }
  });
});

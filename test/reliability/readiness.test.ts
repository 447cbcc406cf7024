import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase, migrateToLatest, pingDatabase, type Db } from '../../src/db/database.js';
import { LocalStorage } from '../../src/media/storage/local-storage.js';
import { healthRoutes, type ReadinessCheck, type ReadinessReport } from '../../src/web/health-routes.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { findFreePort } from '../support/clamd.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startInMemoryTelemetry, type InMemoryTelemetry } from '../telemetry/in-memory-telemetry.js';

const run = promisify(execFile);

// Instruments bind to the global MeterProvider on first use: start it before any app is built.
let telemetry: InMemoryTelemetry;
beforeAll(() => {
  telemetry = startInMemoryTelemetry();
});
afterAll(() => telemetry.stop());

async function dependencyGauge(): Promise<Record<string, number>> {
  const data = await telemetry.collectMetrics();
  const gauge = data.find((m) => m.descriptor.name === 'photovault.dependency.up');
  return Object.fromEntries((gauge?.dataPoints ?? []).map((p) => [String(p.attributes['dependency']), Number(p.value)]));
}

/**
 * Makes a directory unwritable for this process. Root ignores permission bits, so as root the
 * directory is made immutable (chattr +i), which refuses writes to everyone; `access(W_OK)` says so.
 */
async function makeUnwritable(dir: string): Promise<() => Promise<void>> {
  if (process.getuid?.() === 0) {
    await run('chattr', ['+i', dir]);
    return async () => void (await run('chattr', ['-i', dir]));
  }
  await chmod(dir, 0o500);
  return () => chmod(dir, 0o700);
}

describe.each(DIALECTS)('readiness of the whole app (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    // A scanner configured on a closed port: clamd is down for the whole suite.
    const closedPort = await findFreePort();
    t = await createTestApp(dialect, { CLAMAV_HOST: '127.0.0.1', CLAMAV_PORT: String(closedPort), CLAMAV_TIMEOUT_MS: '1000', MODERATION_ENABLED: 'false' });
  });
  afterAll(() => t.close());

  it('with the scanner down, /readyz is 200 and reports the scanner as unavailable', async () => {
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'ok', storage: 'ok' }, dependencies: { scanner: 'unavailable' } });
  });

  it('exports photovault.dependency.up: 1 for the database and storage, 0 for the scanner', async () => {
    expect(await dependencyGauge()).toEqual({ database: 1, storage: 1, scanner: 0 });
  });

  it('with the storage directory unwritable, /readyz is 503 naming storage; /healthz stays 200', async () => {
    const restore = await makeUnwritable(path.join(t.database.dataDir, 'media'));
    try {
      const res = await t.app.inject({ url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not_ready', checks: { database: 'ok', storage: 'failing' }, dependencies: { scanner: 'unavailable' } });
      expect((await dependencyGauge()).storage).toBe(0);
      expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await restore();
    }
    expect((await t.app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  // The database of a running app can be taken away only on PostgreSQL (SQLite is a file the
  // process holds open); SQLite's side of "database gone" is covered by the suite below.
  if (dialect === 'postgres') it('with its database dropped, /readyz is 503 naming the database', async () => {
    const name = new URL(t.database.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    const started = performance.now();
    const res = await t.app.inject({ url: '/readyz' });
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not_ready', checks: { database: 'failing', storage: 'ok' } });
    expect(res.body).not.toMatch(/pv_test_|postgres:\/\//);
  });
});

describe.each(DIALECTS)('the readiness probe over a real database (%s)', (dialect) => {
  let database: TestDatabase;
  let db: Db;
  let storageDir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    db = createDatabase(loadConfig({ DATA_DIR: database.dataDir, DATABASE_URL: database.url }).database);
    await migrateToLatest(db);
    storageDir = await mkdtemp(path.join(os.tmpdir(), 'pv-ready-'));
    const storage = await LocalStorage.open(storageDir);
    const checks: ReadinessCheck[] = [
      { name: 'database', required: true, check: () => pingDatabase(db) },
      { name: 'storage', required: true, check: () => storage.ping() },
    ];
    app = Fastify();
    await app.register(healthRoutes, { checks });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await db.destroy().catch(() => undefined);
    await database.drop();
    await rm(storageDir, { recursive: true, force: true });
  });

  if (dialect === 'postgres') it('a database whose pool is exhausted (hung) answers 503 "timeout" within 2 s', async () => {
    // Occupy the pool's 10 connections, so the ping waits for one as it would on a hung server.
    const sleepers = Array.from({ length: 10 }, () => sql`select pg_sleep(4)`.execute(db));
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    const res = await app.inject({ url: '/readyz' });
    const elapsed = performance.now() - started;
    expect(res.statusCode).toBe(503);
    expect(res.json<ReadinessReport>().checks).toEqual({ database: 'timeout', storage: 'ok' });
    expect(elapsed).toBeGreaterThan(1_000);
    expect(elapsed).toBeLessThan(2_000);
    await Promise.all(sleepers);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
  });

  // Last: it closes the database.
  it('a destroyed database answers 503 at once', async () => {
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    await db.destroy();
    const started = performance.now();
    const res = await app.inject({ url: '/readyz' });
    expect(performance.now() - started).toBeLessThan(500);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', checks: { database: 'failing', storage: 'ok' }, dependencies: {} });
  });
});

describe('the readiness probe with a check that never answers', () => {
  let app: FastifyInstance;
  let started = 0;

  beforeAll(async () => {
    const hung: ReadinessCheck = {
      name: 'database',
      required: true,
      check: () => {
        started++;
        return new Promise(() => undefined);
      },
    };
    app = Fastify();
    await app.register(healthRoutes, { checks: [hung, { name: 'scanner', required: false, check: () => Promise.reject(new Error('down')) }], timeoutMs: 300 });
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers 503 "timeout" after its deadline, and joins the running check instead of starting another', async () => {
    for (let i = 0; i < 3; i++) {
      const before = performance.now();
      const res = await app.inject({ url: '/readyz' });
      expect(performance.now() - before).toBeLessThan(1_000);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ status: 'not_ready', checks: { database: 'timeout' }, dependencies: { scanner: 'unavailable' } });
    }
    expect(started).toBe(1);
  });

  it('keeps /healthz pure liveness', async () => {
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

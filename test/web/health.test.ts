import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';

describe.each(DIALECTS)('health probes (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  it('/healthz answers ok without a session', async () => {
    const res = await t.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz reports the database and the storage as ready', async () => {
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ status: string; checks: Record<string, string> }>();
    expect(body.status).toBe('ready');
    expect(body.checks.database).toBe('ok');
    expect(body.checks.storage).toBe('ok');
    for (const value of Object.values(body.checks)) expect(value).toBe('ok');
  });

  it('HEAD works on both probes', async () => {
    expect((await t.app.inject({ method: 'HEAD', url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'HEAD', url: '/readyz' })).statusCode).toBe(200);
  });

  it('the probes are never cached and carry the security headers', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const res = await t.app.inject({ url });
      expect(res.headers['cache-control']).toBe('max-age=0, no-cache, no-store, must-revalidate, private');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('the probes reveal no versions, paths or connection strings', async () => {
    for (const url of ['/healthz', '/readyz']) {
      const body = (await t.app.inject({ url })).body;
      expect(body).not.toMatch(/postgres:\/\/|\.sqlite3|\/tmp\/|\d+\.\d+\.\d+/);
    }
  });

  // Last: it breaks the storage of this app.
  it('/readyz answers 503 and names the failing check when storage is gone', async () => {
    await rm(t.database.dataDir, { recursive: true, force: true });
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const body = res.json<{ status: string; checks: Record<string, string> }>();
    expect(body.status).toBe('not_ready');
    expect(body.checks.storage).toBe('failing');
    expect(res.body).not.toContain(t.database.dataDir);
    // Liveness is unaffected.
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });
});

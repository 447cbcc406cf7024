import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { findFreePort } from '../support/clamd.js';
import { STRONG_PASSWORD } from '../support/client.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { smallJpeg } from '../support/photos.js';
import { privateRedisMissing, startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { describeWith } from '../support/requirements.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { HttpClient, photoIdOf, startServerProcess, startWorkerProcess, type ServerProcess } from '../support/server-process.js';

// Issue 14 item 6: the scale-out shape as an operator runs it, every part a real process: two web
// instances (WORKER_IN_PROCESS=false) and two `npm run worker` processes, each with a DATA_DIR of its
// own (as on separate machines), on a fresh PostgreSQL database, a private redis-server (this test
// restarts it) and s3rver. One client alternates between the web instances.

const SIGNUP_LIMIT = 4;
const ACCOUNT_MAX_FAILURES = 3;
const HEARTBEAT_SECONDS = 3;

describeWith(privateRedisMissing(), 'two web instances and two workers on PostgreSQL, Redis and S3', () => {
  const processes: ServerProcess[] = [];
  const dataDirs: string[] = [];
  let database: TestDatabase;
  let redis: PrivateRedis;
  let s3: S3TestServer;
  let env: Record<string, string>;
  let a: ServerProcess;
  let b: ServerProcess;

  const newDataDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pv-scale-'));
    dataDirs.push(dir);
    return dir;
  };
  const startWeb = async () => {
    const web = await startServerProcess({ port: await findFreePort(), dataDir: await newDataDir(), env });
    processes.push(web);
    return web;
  };
  const startWorker = async (extra: Record<string, string> = {}) => {
    const worker = await startWorkerProcess({ dataDir: await newDataDir(), env: { ...env, ...extra } });
    processes.push(worker);
    // A test that fails midway must not leave its workers to take the next test's jobs.
    onTestFinished(() => worker.kill());
    return worker;
  };

  beforeAll(async () => {
    [database, redis, s3] = await Promise.all([createTestDatabase('postgres'), startPrivateRedis(), startS3Server()]);
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'pvscale',
      ...s3.env(s3.bucket),
      WORKER_IN_PROCESS: 'false',
      WORKER_CONCURRENCY: '1',
      JOB_HEARTBEAT_TIMEOUT_SECONDS: String(HEARTBEAT_SECONDS),
      SIGNUP_RATE_LIMIT: String(SIGNUP_LIMIT),
      LOGIN_ACCOUNT_MAX_FAILURES: String(ACCOUNT_MAX_FAILURES),
    };
    // Both web instances start together: the migrations run once (the advisory lock).
    [a, b] = await Promise.all([startWeb(), startWeb()]);
  }, 120_000);

  afterAll(async () => {
    for (const process of processes) await process.kill();
    await Promise.all([redis?.stop(), s3?.stop(), database?.drop()]);
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  });

  /** The photo's status as instance `on` reports it, polled until it is final. */
  async function waitForStatus(client: HttpClient, on: ServerProcess, id: string, timeoutMs = 60_000): Promise<string> {
    client.origin = on.origin;
    const deadline = Date.now() + timeoutMs;
    let status = '';
    while (Date.now() < deadline) {
      const response = await client.request(`/photos/${id}/status/`);
      status = ((await response.json()) as { status: string }).status;
      if (['ready', 'held', 'rejected', 'failed'].includes(status)) return status;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`photo ${id} still ${status} after ${timeoutMs} ms`);
  }

  it('a session made on one instance is valid on the other; an upload through A is processed by a worker and served by B', async () => {
    const workers = [await startWorker(), await startWorker()];
    const client = new HttpClient(a.origin);
    await client.signupAndLogin('scaled_alice');
    client.origin = b.origin;
    const account = await client.request('/accounts/');
    expect(account.status).toBe(200);
    expect(await account.text()).toContain('scaled_alice');

    client.origin = a.origin;
    const id = photoIdOf(await client.upload(await smallJpeg(640, 480, '#3a6')));
    expect(await waitForStatus(client, b, id)).toBe('ready');
    const thumb = await client.request(`/photos/${id}/media/thumb.jpg`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    // Media and the staged upload: in the bucket only, and the staged object gone once processed.
    const objects = await s3.listObjects();
    expect(objects.filter((key) => key.includes(id)).every((key) => key.startsWith(`${id}/`))).toBe(true);
    expect(objects.some((key) => key.startsWith('staging/'))).toBe(false);
    for (const worker of workers) await worker.kill();
  }, 120_000);

  it('a change made on one instance is seen by the other at once (rename, delete), and a share link made on A opens on B', async () => {
    const worker = await startWorker();
    const client = new HttpClient(a.origin);
    await client.signupAndLogin('scaled_bob');
    const id = photoIdOf(await client.upload(await smallJpeg(320, 240, '#a63')));
    expect(await waitForStatus(client, b, id)).toBe('ready');

    // B renders the gallery (and caches its template and the photo record) before A changes anything.
    client.origin = b.origin;
    expect(await (await client.request('/photos/')).text()).not.toContain('Renamed on A');
    expect((await client.request(`/photos/${id}/media/thumb.jpg`)).status).toBe(200);

    client.origin = a.origin;
    expect((await client.submit(`/photos/${id}/`, { title: 'Renamed on A', alt_text: '', caption: '' }, `/photos/${id}/edit/`)).status).toBe(303);
    const shared = await client.submit(`/photos/${id}/`, { expires_in: '7', password: '' }, `/photos/${id}/shares/`);
    expect(shared.status).toBe(303);
    // The new link is shown once on the next page, here read on B: the sealed reveal crosses instances too.
    client.origin = b.origin;
    const token = /\/s\/([A-Za-z0-9_-]{43})\//.exec(await (await client.request(new URL(shared.headers.get('location') ?? '', a.origin).pathname)).text())?.[1];
    expect(token).toBeDefined();
    expect(await (await client.request('/photos/')).text()).toContain('Renamed on A');

    const visitor = new HttpClient(b.origin);
    const page = await visitor.request(`/s/${token}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Renamed on A');

    client.origin = a.origin;
    expect((await client.submit(`/photos/${id}/`, {}, `/photos/${id}/delete/`)).status).toBe(303);
    client.origin = b.origin;
    expect((await client.request(`/photos/${id}/`)).status).toBe(404);
    expect((await client.request(`/photos/${id}/media/thumb.jpg`)).status).toBe(404);
    expect((await visitor.request(`/s/${token}/media/display.jpg`)).status).toBe(404);
    await worker.kill();
  }, 120_000);

  it('the login lockout and the sign-up limit hold across instances', async () => {
    const owner = new HttpClient(a.origin);
    await owner.signupAndLogin('scaled_carol');
    // Failures alternate between the instances; the account is locked for both.
    const attacker = new HttpClient(a.origin);
    for (let i = 0; i < ACCOUNT_MAX_FAILURES; i++) {
      attacker.origin = i % 2 === 0 ? a.origin : b.origin;
      expect((await attacker.submit('/accounts/login/', { username: 'scaled_carol', password: 'wrong password 123', next: '' })).status).not.toBe(303);
    }
    for (const origin of [a.origin, b.origin]) {
      attacker.origin = origin;
      const locked = await attacker.submit('/accounts/login/', { username: 'scaled_carol', password: STRONG_PASSWORD, next: '' });
      expect(locked.status).toBe(429);
      expect(await locked.text()).toMatch(/Try again in \d+ seconds/);
    }

    // Sign-ups from one address, alternating: the limit counts them together (Redis), not per instance.
    const statuses: number[] = [];
    for (let i = 0; i < SIGNUP_LIMIT + 2; i++) {
      const client = new HttpClient(i % 2 === 0 ? a.origin : b.origin);
      const response = await client.submit('/accounts/signup/', { username: `limit_${i}`, email: `limit_${i}@example.com`, password1: STRONG_PASSWORD, password2: STRONG_PASSWORD });
      statuses.push(response.status);
    }
    // Earlier tests signed up 3 users from this address in this window, so fewer than SIGNUP_LIMIT are left.
    expect(statuses.filter((status) => status === 303).length).toBeLessThan(SIGNUP_LIMIT);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  }, 60_000);

  it('a worker SIGKILLed mid-job is replaced by the other, which finishes the photo', async () => {
    const stuck = await startWorker({ PHOTOVAULT_FAILPOINTS: 'photo.transform' });
    const client = new HttpClient(b.origin);
    await client.request('/');
    await client.submit('/accounts/login/', { username: 'scaled_alice', password: STRONG_PASSWORD, next: '' });
    const id = photoIdOf(await client.upload(await smallJpeg(800, 600, '#36a')));
    await stuck.waitForStderr(/^FAILPOINT photo\.transform$/, 30_000);
    const spare = await startWorker();
    await stuck.kill();
    expect(await waitForStatus(client, a, id)).toBe('ready');
    expect((await client.request(`/photos/${id}/media/display.jpg`)).status).toBe(200);
    await spare.kill();
  }, 120_000);

  it('Redis restarted: uploads accepted meanwhile are processed once it is back, nothing lost', async () => {
    const client = new HttpClient(a.origin);
    await client.submit('/accounts/login/', { username: 'scaled_alice', password: STRONG_PASSWORD, next: '' });
    // Queued while no worker runs, so the jobs wait in Redis through the restart.
    const before = photoIdOf(await client.upload(await smallJpeg(300, 200, '#6a3')));
    await redis.restart();
    client.origin = b.origin;
    const after = photoIdOf(await client.upload(await smallJpeg(300, 200, '#a36')));
    const workers = [await startWorker(), await startWorker()];
    for (const id of [before, after]) expect(await waitForStatus(client, id === before ? a : b, id)).toBe('ready');
    for (const worker of workers) await worker.kill();
  }, 120_000);
});

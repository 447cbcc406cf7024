import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { PROCESS_PHOTO_JOB } from '../../src/photos/processing/photo-job.js';
import { createTestApp, TEST_SECRET_KEY, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { configError } from '../support/config.js';
import { photoIdFrom, smallJpeg, uploadForm } from '../support/photos.js';
import { deleteKeys, redisMissing, TEST_REDIS_URL, testKeyPrefix } from '../support/redis.js';
import { describeWith } from '../support/requirements.js';

// The app in its scale-out shape for jobs and limiters: REDIS_URL set (BullMQ, Redis-backed limiter).
const REDIS_MISSING = await redisMissing();

describe('REDIS_URL configuration', () => {
  it('is off by default (jobs stay in the database)', () => {
    expect(loadConfig({}).redis).toBeUndefined();
  });

  it('reads the URL and a key prefix', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2', REDIS_KEY_PREFIX: 'pv-1', SECRET_KEY: TEST_SECRET_KEY }).redis).toEqual({ url: 'redis://127.0.0.1:6379/2', keyPrefix: 'pv-1' });
    expect(loadConfig({ REDIS_URL: 'rediss://cache.example.test', SECRET_KEY: TEST_SECRET_KEY }).redis?.keyPrefix).toBe('photovault');
  });

  it.each(['127.0.0.1:6379', 'http://127.0.0.1:6379', 'redis://', 'redis://host:6379/zero', 'redis://host:6379/0/extra', 'not a url'])('refuses REDIS_URL=%s naming it', (url) => {
    const error = configError({ REDIS_URL: url });
    expect(error.variable).toBe('REDIS_URL');
    expect(error.message).toContain('REDIS_URL');
  });

  it.each(['http://user:s3cret-pass@127.0.0.1:6379', 'redis://user:s3cret-pass@127.0.0.1:6379/zero'])('never echoes the password of a refused REDIS_URL (%s)', (url) => {
    expect(configError({ REDIS_URL: url }).message).not.toContain('s3cret-pass');
  });

  it.each(['has space', 'a:b', 'x'.repeat(65), '../up'])('refuses REDIS_KEY_PREFIX=%s', (prefix) => {
    expect(configError({ REDIS_URL: 'redis://127.0.0.1:6379/0', REDIS_KEY_PREFIX: prefix }).variable).toBe('REDIS_KEY_PREFIX');
  });

  it('stops start-up with a message naming REDIS_URL when Redis cannot be reached', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: `/tmp/photovault-unreachable-redis-${process.pid}`, REDIS_URL: 'redis://127.0.0.1:1/0', LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY });
    await expect(buildApp(config, { logger: false })).rejects.toThrow(/^REDIS_URL: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0/);
  });

  it('never puts the password of REDIS_URL in that message', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: `/tmp/photovault-unreachable-redis-${process.pid}`, REDIS_URL: 'redis://user:s3cret-pass@127.0.0.1:1/0', LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY });
    const error: unknown = await buildApp(config, { logger: false }).catch((e: unknown) => e);
    expect(String(error)).toContain('REDIS_URL');
    expect(String(error)).not.toContain('s3cret-pass');
  });
});

describeWith(REDIS_MISSING, 'the app with REDIS_URL (BullMQ and the Redis limiter)', () => {
  const apps: TestApp[] = [];
  const prefixes: string[] = [];
  const redisEnv = (extra: Record<string, string> = {}) => {
    const prefix = testKeyPrefix();
    prefixes.push(prefix);
    return { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, ...extra };
  };

  afterEach(async () => {
    for (const t of apps.splice(0)) await t.close();
    for (const prefix of prefixes.splice(0)) await deleteKeys(prefix);
  });

  const photoStatus = async (t: TestApp, id: string) => (await t.db.selectFrom('photos').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  it('processes an upload through BullMQ, with no row in the jobs table', async () => {
    const t = await createTestApp('sqlite', redisEnv());
    apps.push(t);
    const client = new TestClient(t.app);
    await client.signupAndLogin('bull');
    const response = await uploadForm(client, await smallJpeg());
    expect(response.statusCode).toBe(303);
    const id = photoIdFrom(response.headers.location);
    await t.app.jobWorker.drain();
    expect(await photoStatus(t, id)).toBe('ready');
    expect(await t.db.selectFrom('jobs').select('id').where('kind', '=', PROCESS_PHOTO_JOB).execute()).toEqual([]);
    expect((await client.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
  });

  it('queues the job of a photo whose job was lost between the commit and Redis, at the next start', async () => {
    const env = redisEnv({ WORKER_IN_PROCESS: 'false' });
    const web = await createTestApp('sqlite', env);
    apps.push(web);
    const client = new TestClient(web.app);
    await client.signupAndLogin('lost');
    const id = photoIdFrom((await uploadForm(client, await smallJpeg())).headers.location);
    // The job is lost (as if Redis had failed after the photo row was committed).
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(PROCESS_PHOTO_JOB, { connection, prefix: env.REDIS_KEY_PREFIX });
    expect(await queue.getJob(`process-${id}`)).toBeDefined();
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
    expect(await photoStatus(web, id)).toBe('queued');

    // A worker process starting on the same database and Redis reconciles, then processes it.
    const worker = await buildApp(loadConfig({ NODE_ENV: 'test', DATA_DIR: web.config.dataDir, LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY, ...env, WORKER_IN_PROCESS: 'true' }), { logger: false });
    try {
      await worker.ready();
      await worker.jobWorker.drain();
      expect(await photoStatus(web, id)).toBe('ready');
    } finally {
      await worker.close();
    }
  });

  it('holds the sign-up limit across two app instances sharing Redis', async () => {
    const env = redisEnv({ SIGNUP_RATE_LIMIT: '2' });
    const a = await createTestApp('sqlite', env);
    apps.push(a);
    const b = await createTestApp('sqlite', env);
    apps.push(b);
    const onA = new TestClient(a.app);
    const onB = new TestClient(b.app);
    expect((await onA.signup('first')).statusCode).toBe(303);
    expect((await onB.signup('second')).statusCode).toBe(303);
    // Each instance has seen one sign-up; together they have seen the limit.
    const third = await onA.signup('third');
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    expect((await onB.signup('fourth')).statusCode).toBe(429);
    // Another address still signs up.
    onB.remoteAddress = '192.0.2.7';
    expect((await onB.signup('fifth')).statusCode).toBe(303);
  });

  it('keeps installations with different key prefixes apart', async () => {
    const a = await createTestApp('sqlite', redisEnv({ SIGNUP_RATE_LIMIT: '1' }));
    apps.push(a);
    const b = await createTestApp('sqlite', redisEnv({ SIGNUP_RATE_LIMIT: '1' }));
    apps.push(b);
    expect((await new TestClient(a.app).signup('alpha')).statusCode).toBe(303);
    expect((await new TestClient(b.app).signup('beta')).statusCode).toBe(303);
  });
});

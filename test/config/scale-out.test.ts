import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/env-parsers.js';
import { configError } from '../support/config.js';
import { isScaleOut, scaleOutWarnings } from '../../src/config/scale-out.js';
import { TEST_SECRET_KEY } from '../support/app.js';
import { findFreePort } from '../support/clamd.js';
import { makeTempDir } from '../support/images.js';
import { redisMissing, TEST_REDIS_URL, testKeyPrefix, deleteKeys } from '../support/redis.js';
import { describeWith } from '../support/requirements.js';

// Issue 14 item 1: a bad or unreachable setting stops start-up naming it; a partial scale-out setup
// that cannot work is refused (no SECRET_KEY) or warned about (local media with several instances).

const KEY = TEST_SECRET_KEY;

describe('SECRET_KEY in the scale-out shape', () => {
  it.each([
    ['REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:6379/0' }],
    ['WORKER_IN_PROCESS=false', { WORKER_IN_PROCESS: 'false' }],
  ])('is required with %s, naming SECRET_KEY', (_name, env) => {
    const error = configError(env);
    expect(error.variable).toBe('SECRET_KEY');
    expect(error.message).toMatch(/SECRET_KEY is required when REDIS_URL is set or WORKER_IN_PROCESS=false/);
  });

  it('is accepted when set, and stays optional in the embedded default (the key file in DATA_DIR)', () => {
    expect(isScaleOut(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/0', SECRET_KEY: KEY }))).toBe(true);
    expect(isScaleOut(loadConfig({ WORKER_IN_PROCESS: 'false', SECRET_KEY: KEY }))).toBe(true);
    const embedded = loadConfig({});
    expect(isScaleOut(embedded)).toBe(false);
    expect(embedded.secretKey).toBeUndefined();
  });

  it('is still checked for length (a short key is refused, not echoed)', () => {
    const error = configError({ REDIS_URL: 'redis://127.0.0.1:6379/0', SECRET_KEY: 'short-secret' });
    expect(error.variable).toBe('SECRET_KEY');
    expect(error.message).not.toContain('short-secret');
  });

  it('a real server process refuses to start without it (exit 78, the message names SECRET_KEY)', async () => {
    const dir = await makeTempDir();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
        env: { ...process.env, DATA_DIR: dir.dir, PORT: '0', WORKER_IN_PROCESS: 'false', SECRET_KEY: '', OTEL_SDK_DISABLED: 'true', NODE_ENV: 'test' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(78);
      expect(stderr).toMatch(/SECRET_KEY is required/);
    } finally {
      await dir.remove();
    }
  }, 30_000);
});

describe('start-up stops, naming the setting, when a service cannot be reached (bounded)', () => {
  let dir: Awaited<ReturnType<typeof makeTempDir>>;
  beforeAll(async () => {
    dir = await makeTempDir();
  });
  afterAll(() => dir.remove());
  const base = () => ({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dir.dir, SECRET_KEY: KEY });

  it('DATABASE_URL: a PostgreSQL server that is not there (the password never shown)', async () => {
    const port = await findFreePort();
    const started = Date.now();
    const error = await buildApp(loadConfig({ ...base(), DATABASE_URL: `postgres://pv:hunter2-secret@127.0.0.1:${port}/photovault` }), { logger: false }).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('DATABASE_URL');
    expect(String(error)).toMatch(/DATABASE_URL cannot be reached \(postgres:\/\/pv:\*\*\*@127\.0\.0\.1:\d+\/photovault\)/);
    expect(String(error)).not.toContain('hunter2-secret');
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 20_000);

  it('DATABASE_URL: a host that never answers stops within the bound', async () => {
    // 10.255.255.1 is unroutable here: the connection attempt hangs until a timeout ends it.
    const started = Date.now();
    await expect(buildApp(loadConfig({ ...base(), DATABASE_URL: 'postgres://pv@10.255.255.1:5432/photovault' }), { logger: false })).rejects.toThrow(/DATABASE_URL cannot be reached/);
    expect(Date.now() - started).toBeLessThan(12_000);
  }, 20_000);

  it('REDIS_URL: nothing listening', async () => {
    const port = await findFreePort();
    await expect(buildApp(loadConfig({ ...base(), REDIS_URL: `redis://127.0.0.1:${port}/0` }), { logger: false })).rejects.toThrow(/^REDIS_URL: cannot reach Redis/);
  }, 20_000);

  it('S3 endpoint: nothing listening (the bucket check names the endpoint setting)', async () => {
    const port = await findFreePort();
    const env = { ...base(), S3_BUCKET: 'photovault-media', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret', S3_TIMEOUT_MS: '2000' };
    const error = await buildApp(loadConfig(env), { logger: false }).then(() => undefined, (failure: unknown) => failure);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('AWS_ENDPOINT_URL_S3');
    expect(String(error)).not.toContain('not-a-real-secret');
  }, 20_000);
});

describe('partial scale-out setups are warned about', () => {
  const redis = { REDIS_URL: 'redis://127.0.0.1:6379/0', SECRET_KEY: KEY, DATA_DIR: '/srv/photovault' };
  const s3 = { S3_BUCKET: 'photovault-media', AWS_REGION: 'eu-west-1' };

  it('several instances with local media: DATA_DIR/media and the staging folder must be shared', () => {
    const warnings = scaleOutWarnings(loadConfig({ ...redis, DATABASE_URL: 'postgres://db/photovault' }));
    expect(warnings.map((w) => w.setting)).toEqual(['S3_BUCKET']);
    expect(warnings[0]?.message).toContain('/srv/photovault/media');
    expect(warnings[0]?.message).toContain('/srv/photovault/uploads');
  });

  it('several instances on the SQLite file', () => {
    expect(scaleOutWarnings(loadConfig({ ...redis, ...s3 })).map((w) => w.setting)).toEqual(['DATABASE_URL']);
  });

  it('nothing for the full scale-out shape or the embedded default', () => {
    expect(scaleOutWarnings(loadConfig({ ...redis, ...s3, DATABASE_URL: 'postgres://db/photovault' }))).toEqual([]);
    expect(scaleOutWarnings(loadConfig({}))).toEqual([]);
    // Workers beside the web process on one machine share DATA_DIR: nothing to warn about.
    expect(scaleOutWarnings(loadConfig({ WORKER_IN_PROCESS: 'false', SECRET_KEY: KEY }))).toEqual([]);
  });

  it('STAGING_DIR moves the staging folder (e.g. onto the shared file system)', () => {
    expect(loadConfig({ DATA_DIR: '/srv/pv', STAGING_DIR: '/shared/staging' }).stagingDir).toBe('/shared/staging');
    expect(loadConfig({ DATA_DIR: '/srv/pv' }).stagingDir).toBe('/srv/pv/uploads');
  });
});

describeWith(await redisMissing(), 'the warning at start-up', () => {
  it('is logged once, naming S3_BUCKET', async () => {
    const dir = await makeTempDir();
    const prefix = testKeyPrefix();
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    try {
      const app = await buildApp(loadConfig({ NODE_ENV: 'test', DATA_DIR: dir.dir, SECRET_KEY: KEY, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, MODERATION_ENABLED: 'false' }), { logger: { level: 'warn', stream } });
      await app.close();
      const warnings = lines.map((line) => JSON.parse(line) as { event?: string; setting?: string }).filter((entry) => entry.event === 'scale_out_setup');
      expect(warnings.map((entry) => entry.setting).sort()).toEqual(['DATABASE_URL', 'S3_BUCKET']);
    } finally {
      await deleteKeys(prefix);
      await dir.remove();
    }
  }, 30_000);
});

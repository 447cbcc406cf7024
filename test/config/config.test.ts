import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { configError } from '../support/config-error.js';
import { resolveSecretKey } from '../../src/config/secret-key.js';
import { extractCsrf } from '../support/client.js';

const KEY_A = 'a'.repeat(40);

describe('loadConfig defaults', () => {
  const config = loadConfig({});

  it('has safe defaults', () => {
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.env).toBe('production');
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.database).toEqual({ dialect: 'sqlite', file: path.join(path.resolve('./data'), 'photovault.sqlite3') });
    expect(config.trustProxy).toBe(false);
    expect(config.secretKey).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('uses at least the OWASP argon2id floor', () => {
    expect(config.argon2.memoryKiB).toBeGreaterThanOrEqual(19456);
    expect(config.argon2.iterations).toBeGreaterThanOrEqual(2);
    expect(config.argon2.parallelism).toBeGreaterThanOrEqual(1);
  });

  it('has idle and absolute session timeouts, the idle one shorter', () => {
    expect(config.session.idleTimeoutSeconds).toBeGreaterThan(0);
    expect(config.session.absoluteTimeoutSeconds).toBeGreaterThanOrEqual(config.session.idleTimeoutSeconds);
  });

  it('stops an idle moderation thread after a minute; 0 keeps it', () => {
    expect(config.moderation.idleStopSeconds).toBe(60);
    expect(loadConfig({ MODERATION_IDLE_STOP_SECONDS: '0' }).moderation.idleStopSeconds).toBe(0);
  });

  it('never-caches the private prefixes by default', () => {
    expect(config.neverCachePrefixes).toEqual(expect.arrayContaining(['/accounts/', '/photos/', '/api/']));
  });

  it('treats empty variables as unset', () => {
    const blank = loadConfig({ PORT: '', DATABASE_URL: '', TRUST_PROXY: '', SECRET_KEY: '' });
    expect(blank.port).toBe(3000);
    expect(blank.database.dialect).toBe('sqlite');
    expect(blank.trustProxy).toBe(false);
    expect(blank.secretKey).toBeUndefined();
  });
});

describe('loadConfig parsing', () => {
  it('reads PORT, HOST, DATA_DIR and SECRET_KEY', () => {
    const config = loadConfig({ PORT: '8080', HOST: '0.0.0.0', DATA_DIR: '/tmp/pv-data', SECRET_KEY: KEY_A });
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('/tmp/pv-data');
    expect(config.database).toEqual({ dialect: 'sqlite', file: '/tmp/pv-data/photovault.sqlite3' });
    expect(config.secretKey).toBe(KEY_A);
  });

  it.each(['postgres://u:p@db.example:5432/photos', 'postgresql://db.example/photos'])('selects PostgreSQL for %s', (url) => {
    expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ dialect: 'postgres', url });
  });

  it('accepts sqlite: and file: URLs relative to DATA_DIR', () => {
    expect(loadConfig({ DATA_DIR: '/srv/pv', DATABASE_URL: 'sqlite:app.db' }).database).toEqual({ dialect: 'sqlite', file: '/srv/pv/app.db' });
    expect(loadConfig({ DATA_DIR: '/srv/pv', DATABASE_URL: 'file:///var/db/app.db' }).database).toEqual({ dialect: 'sqlite', file: '/var/db/app.db' });
  });

  it.each([
    ['true', true],
    ['false', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.1', ['10.0.0.0/8', '192.168.1.1']],
    ['::1', ['::1']],
    ['fd00::/8', ['fd00::/8']],
  ] as const)('reads TRUST_PROXY=%s', (raw, expected) => {
    expect(loadConfig({ TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });
});

describe('loadConfig refuses bad values, naming the variable', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PORT', '3000abc'],
    ['DATABASE_URL', 'mysql://db.example/photos'],
    ['DATABASE_URL', 'photos.db'],
    ['DATABASE_URL', 'postgres://[::1'],
    ['DATABASE_URL', 'http://db.example/'],
    ['SECRET_KEY', 'short'],
    ['SECRET_KEY', 'x'.repeat(31)],
    ['TRUST_PROXY', 'maybe'],
    ['TRUST_PROXY', 'yes please'],
    ['TRUST_PROXY', '10.0.0.1, evil.example'],
    // Hex-looking words and impossible ranges are not addresses either; they must not slip
    // through to fail later inside the framework without naming the variable.
    ['TRUST_PROXY', 'cafe'],
    ['TRUST_PROXY', 'dead:beef:::1'],
    ['TRUST_PROXY', '10.0.0.0/99'],
    ['TRUST_PROXY', '300.1.1.1'],
    ['TRUST_PROXY', '::1/129'],
    ['SESSION_IDLE_TIMEOUT_SECONDS', '59'],
    ['SESSION_ABSOLUTE_TIMEOUT_SECONDS', 'soon'],
    ['ARGON2_MEMORY_KIB', '1024'],
    ['ARGON2_ITERATIONS', '1'],
    ['LOGIN_ACCOUNT_MAX_FAILURES', '0'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['MODERATION_IDLE_STOP_SECONDS', '-1'],
    ['MODERATION_IDLE_STOP_SECONDS', '1.5'],
    ['MODERATION_IDLE_STOP_SECONDS', '86401'],
    ['MODERATION_IDLE_STOP_SECONDS', 'never'],
  ])('%s=%j', (variable, value) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it('never echoes a rejected SECRET_KEY', () => {
    const error = configError({ SECRET_KEY: 'hunter2-secret' });
    expect(error.message).not.toContain('hunter2-secret');
  });

  // An accepted value must also be one the framework accepts (else start-up fails without naming it).
  // One app per test: building five in one test outran the 30 s timeout in the machine's slowest phase.
  it.each(['10.0.0.0/8, 192.168.1.1', '::1', 'fd00::/8', '2', 'true'])('builds the app with TRUST_PROXY=%s', async (raw) => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pv-config-'));
    try {
      const app = await buildApp(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: raw, LOG_LEVEL: 'silent' }), { logger: false });
      await app.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the configuration is frozen', () => {
  const config = loadConfig({ TRUST_PROXY: '10.0.0.1' });

  it('at every level', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(Object.isFrozen(config.session)).toBe(true);
    expect(Object.isFrozen(config.throttle)).toBe(true);
    expect(Object.isFrozen(config.argon2)).toBe(true);
    expect(Object.isFrozen(config.neverCachePrefixes)).toBe(true);
    expect(Object.isFrozen(config.trustProxy)).toBe(true);
  });

  it('refuses writes', () => {
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.session as { idleTimeoutSeconds: number }).idleTimeoutSeconds = 1;
    }).toThrow(TypeError);
    expect(() => (config.neverCachePrefixes as string[]).push('/x/')).toThrow(TypeError);
    expect(config.port).toBe(3000);
  });
});

describe('the secret key', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pv-secret-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is generated on first start into DATA_DIR with mode 0600, then reused', async () => {
    const dataDir = path.join(dir, 'fresh', 'data');
    const first = await resolveSecretKey(dataDir, undefined);
    const file = path.join(dataDir, 'secret_key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o077).toBe(0);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);

    const second = await resolveSecretKey(dataDir, undefined);
    expect(second).toBe(first);
  });

  it('differs between installations (never a built-in default)', async () => {
    const a = await resolveSecretKey(path.join(dir, 'one'), undefined);
    const b = await resolveSecretKey(path.join(dir, 'two'), undefined);
    expect(a).not.toBe(b);
  });

  it('tightens a key file that is readable by others', async () => {
    const dataDir = path.join(dir, 'loose');
    const key = await resolveSecretKey(dataDir, undefined);
    await chmod(path.join(dataDir, 'secret_key'), 0o644);
    expect(await resolveSecretKey(dataDir, undefined)).toBe(key);
    expect((await stat(path.join(dataDir, 'secret_key'))).mode & 0o777).toBe(0o600);
  });

  it('refuses a truncated key file', async () => {
    const dataDir = path.join(dir, 'short');
    await resolveSecretKey(dataDir, undefined);
    await writeFile(path.join(dataDir, 'secret_key'), 'tooshort');
    await expect(resolveSecretKey(dataDir, undefined)).rejects.toThrow(/shorter than 32/);
  });

  it('SECRET_KEY wins, and no key file is written', async () => {
    const dataDir = path.join(dir, 'configured');
    expect(await resolveSecretKey(dataDir, KEY_A)).toBe(KEY_A);
    await expect(stat(path.join(dataDir, 'secret_key'))).rejects.toThrow();
  });

  it('signs cookies across restarts with the kept key; SECRET_KEY replaces it', async () => {
    const dataDir = path.join(dir, 'app');
    const env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' };

    // First start: the key file is created with 0600 and a signed CSRF cookie is issued.
    const first = await buildApp(loadConfig(env), { logger: false });
    const page = await first.inject({ url: '/accounts/login/' });
    await first.close();
    expect((await stat(path.join(dataDir, 'secret_key'))).mode & 0o777).toBe(0o600);
    const keyBefore = await readFile(path.join(dataDir, 'secret_key'), 'utf8');
    const cookie = page.cookies.find((c) => c.name === 'pv_csrf');
    const token = extractCsrf(page.body);
    expect(cookie && token).toBeTruthy();
    const logout = (app: Awaited<ReturnType<typeof buildApp>>) =>
      app.inject({
        method: 'POST',
        url: '/accounts/logout/',
        headers: { cookie: `pv_csrf=${cookie!.value}`, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: token! }).toString(),
      });

    // Second start on the same DATA_DIR: same key, so the old cookie and token still verify.
    const second = await buildApp(loadConfig(env), { logger: false });
    try {
      expect((await logout(second)).statusCode).toBe(303);
    } finally {
      await second.close();
    }
    expect(await readFile(path.join(dataDir, 'secret_key'), 'utf8')).toBe(keyBefore);

    // With SECRET_KEY set, that key is used instead: the old signature no longer verifies.
    const third = await buildApp(loadConfig({ ...env, SECRET_KEY: KEY_A }), { logger: false });
    try {
      expect((await logout(third)).statusCode).toBe(403);
    } finally {
      await third.close();
    }
  });
});

const AWS_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const S3_ENV = { S3_BUCKET: 'photovault-media', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: AWS_SECRET };

describe('S3 and MEDIA_DELIVERY configuration', () => {
  it('keeps media on disk and streams them by default', () => {
    const config = loadConfig({});
    expect(config.s3).toBeUndefined();
    expect(config.mediaDelivery).toBe('stream');
  });

  it('reads S3_BUCKET with the AWS SDK variables', () => {
    const config = loadConfig({ ...S3_ENV, S3_PREFIX: 'photovault/media', S3_FORCE_PATH_STYLE: 'true', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', MEDIA_DELIVERY: 'redirect' });
    expect(config.s3).toEqual({
      bucket: 'photovault-media',
      prefix: 'photovault/media/',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: AWS_SECRET, sessionToken: undefined },
      timeoutMs: 30_000,
    });
    expect(config.mediaDelivery).toBe('redirect');
    expect(Object.isFrozen(config.s3?.credentials)).toBe(true);
  });

  it('leaves region, endpoint and credentials to the SDK when they are unset', () => {
    const config = loadConfig({ S3_BUCKET: 'photos' });
    expect(config.s3).toMatchObject({ prefix: '', region: undefined, endpoint: undefined, forcePathStyle: false, credentials: undefined });
  });

  it('takes AWS_ENDPOINT_URL when AWS_ENDPOINT_URL_S3 is unset, as the SDK does', () => {
    expect(loadConfig({ S3_BUCKET: 'photos', AWS_ENDPOINT_URL: 'https://s3.example.test' }).s3?.endpoint).toBe('https://s3.example.test');
  });

  it.each(['ab', 'Photos', 'my_bucket', '-photos', 'photos-', 'a..b', '192.168.1.10', 'x'.repeat(64), 'photos/media', 'photos bucket'])(
    'refuses the bucket name %j',
    (bucket) => {
      const error = configError({ S3_BUCKET: bucket });
      expect(error.variable).toBe('S3_BUCKET');
      expect(error.message).toContain('S3_BUCKET');
    },
  );

  it.each(['maybe', 'yes please', '2'])('refuses S3_FORCE_PATH_STYLE=%j', (value) => {
    expect(configError({ S3_BUCKET: 'photos', S3_FORCE_PATH_STYLE: value }).variable).toBe('S3_FORCE_PATH_STYLE');
  });

  it.each(['proxy', 'presigned', 'redirect,stream'])('refuses MEDIA_DELIVERY=%j', (value) => {
    expect(configError({ ...S3_ENV, MEDIA_DELIVERY: value }).variable).toBe('MEDIA_DELIVERY');
  });

  it('refuses MEDIA_DELIVERY=redirect without S3_BUCKET (local files cannot be signed)', () => {
    const error = configError({ MEDIA_DELIVERY: 'redirect' });
    expect(error.variable).toBe('MEDIA_DELIVERY');
    expect(error.message).toMatch(/S3_BUCKET/);
  });

  it.each(['../media', '/media', 'media/../x', 'a b', 'media//x', './media'])('refuses S3_PREFIX=%j', (prefix) => {
    expect(configError({ S3_BUCKET: 'photos', S3_PREFIX: prefix }).variable).toBe('S3_PREFIX');
  });

  it.each([
    ['AWS_ENDPOINT_URL_S3', 'not a url'],
    ['AWS_ENDPOINT_URL_S3', 'ftp://127.0.0.1:21'],
    ['AWS_ENDPOINT_URL_S3', `http://key:${AWS_SECRET}@127.0.0.1:9000`],
    ['AWS_ENDPOINT_URL', 'javascript:alert(1)'],
    ['AWS_REGION', 'eu west 1'],
    ['S3_TIMEOUT_MS', '10'],
  ])('refuses %s=%j, naming it', (name, value) => {
    const error = configError({ S3_BUCKET: 'photos', [name]: value });
    expect(error.variable).toBe(name);
    expect(error.message).not.toContain(AWS_SECRET);
  });

  it('refuses half a key pair without echoing the secret', () => {
    const error = configError({ S3_BUCKET: 'photos', AWS_SECRET_ACCESS_KEY: AWS_SECRET });
    expect(error.variable).toBe('AWS_ACCESS_KEY_ID');
    expect(error.message).not.toContain(AWS_SECRET);
    expect(configError({ S3_BUCKET: 'photos', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' }).variable).toBe('AWS_SECRET_ACCESS_KEY');
  });

  it('ignores the S3 variables while S3_BUCKET is unset', () => {
    expect(loadConfig({ S3_FORCE_PATH_STYLE: 'maybe', AWS_REGION: 'eu west 1' }).s3).toBeUndefined();
  });
});

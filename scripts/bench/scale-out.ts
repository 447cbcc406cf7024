/**
 * The services of the scale-out shape for `npm run bench -- --scale-out`, all on this machine:
 * a fresh PostgreSQL database, the machine's Redis under a key prefix of its own (deleted after),
 * and s3rver (a real S3-protocol server from npm, as the tests use) with a fresh bucket, or with
 * BENCH_SCALE_STORAGE=disk media on the local disk (one DATA_DIR for every process, as on one
 * machine). The app's processes get the settings a deployment gives them (deploy/compose.scale.yaml).
 */
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { createTestDatabase } from '../../test/support/databases.js';
import { deleteKeys, TEST_REDIS_URL } from '../../test/support/redis.js';
import { startS3Server } from '../../test/support/s3-server.js';

export interface ScaleOutServices {
  /** The environment of every web and worker process (web processes add WORKER_IN_PROCESS=false). */
  readonly env: Record<string, string>;
  /** DATA_DIR of every process: only temporary files with S3 and PostgreSQL (one machine, one directory). */
  readonly dataDir: string;
  /** What ran where, for the report (no secrets). */
  readonly description: Record<string, string>;
  close(): Promise<void>;
}

/** PostgreSQL from TEST_POSTGRES_URL, Redis from TEST_REDIS_URL (the tests' settings and defaults). */
export async function startScaleOutServices(storage: 's3' | 'disk'): Promise<ScaleOutServices> {
  const keyPrefix = `pvbench-${randomBytes(6).toString('hex')}`;
  const database = await createTestDatabase('postgres');
  const s3 =
    storage === 'disk'
      ? undefined
      : await startS3Server().catch(async (error: unknown) => {
          await database.drop();
          throw error;
        });
  return {
    env: { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: keyPrefix, ...(s3?.env() ?? {}), SECRET_KEY: randomBytes(32).toString('base64url') },
    dataDir: database.dataDir,
    description: {
      database: `PostgreSQL at ${new URL(database.url).host}, a fresh database`,
      redis: `${TEST_REDIS_URL}, key prefix ${keyPrefix}`,
      storage: s3 ? `s3rver at ${s3.endpoint}, a fresh bucket` : 'local disk, one DATA_DIR shared by every process',
    },
    async close() {
      await Promise.allSettled([s3?.stop(), database.drop(), deleteKeys(keyPrefix)]);
    },
  };
}

/** Resolves when a line of the child's stdout matches (the worker logs `worker started` there). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => finish(new Error(`no ${String(pattern)} within ${timeoutMs} ms; output: ${seen.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-8000);
      if (pattern.test(seen)) finish();
    };
    const onExit = (code: number | null) => finish(new Error(`exited with ${String(code)} before ${String(pattern)}; output: ${seen.slice(-2000)}`));
    const finish = (error?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

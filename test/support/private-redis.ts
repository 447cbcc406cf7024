import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { findFreePort } from './clamd.js';

const REDIS_SERVER = '/usr/bin/redis-server';

/** A redis-server of one test's own (never the machine's shared one), so the test may stop and restart it. */
export interface PrivateRedis {
  readonly url: string;
  /** SIGTERM (Redis saves and exits), then the same port and data directory again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Why a private Redis cannot be started here, or null (for describeWith). */
export function privateRedisMissing(): string | null {
  return existsSync(REDIS_SERVER) ? null : `${REDIS_SERVER} (apt-get install redis-server)`;
}

/**
 * Starts redis-server on a free port with append-only persistence (fsync at every write), as a
 * BullMQ deployment should run it: a restart keeps every queued job.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pv-redis-'));
  const port = await findFreePort();
  let child: ChildProcess = await launch(dir, port);
  const stopChild = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}/0`,
    async restart() {
      await stopChild();
      child = await launch(dir, port);
    },
    async stop() {
      await stopChild();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'yes'], { stdio: 'ignore' });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      const ok = await client.connect().then(() => client.ping(), () => undefined).catch(() => undefined);
      if (ok === 'PONG') return child;
      client.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.disconnect();
  }
  child.kill('SIGKILL');
  throw new Error('redis-server did not answer within 10 s');
}

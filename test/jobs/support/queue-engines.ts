import pino from 'pino';
import { loadConfig } from '../../../src/config/config.js';
import { createDatabase, type Db } from '../../../src/db/database.js';
import { createBullMqJobQueue } from '../../../src/jobs/bullmq-queue.js';
import type { JobHandler, JobQueue } from '../../../src/jobs/job-queue.js';
import { createTableJobQueue } from '../../../src/jobs/table-queue.js';
import { connectRedis } from '../../../src/runtime/redis.js';
import { TEST_REDIS_URL } from '../../support/redis.js';

export const ENGINES = ['table', 'bullmq'] as const;
export type Engine = (typeof ENGINES)[number];

/** Where one test's queue lives: a migrated SQLite database in `dataDir`, and for BullMQ a key prefix of its own. */
export interface QueuePlace {
  readonly engine: Engine;
  readonly dataDir: string;
  readonly prefix: string;
}

export interface QueueOptions {
  readonly concurrency?: Readonly<Record<string, number>>;
  readonly heartbeatTimeoutMs?: number;
}

export interface OpenedQueue {
  readonly queue: JobQueue;
  readonly db: Db;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });

/** Opens a queue of `place`'s engine with `handlers`, as the app would (another process may open the same place). */
export async function openQueue(place: QueuePlace, handlers: Record<string, JobHandler>, options: QueueOptions = {}): Promise<OpenedQueue> {
  const db = createDatabase(loadConfig({ DATA_DIR: place.dataDir }).database);
  const concurrency = options.concurrency ?? {};
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 3_000;
  if (place.engine === 'table') {
    const queue = createTableJobQueue(db, handlers, silent, { concurrency, heartbeatTimeoutMs, pollIntervalMs: 50 });
    return { queue, db, close: async () => { await queue.close(); await db.destroy(); } };
  }
  const redis = await connectRedis(TEST_REDIS_URL);
  const retention = { doneMs: 3_600_000, failedMs: 3_600_000 };
  const queue = createBullMqJobQueue(handlers, silent, { db, redis, prefix: place.prefix, concurrency, heartbeatTimeoutMs, retention, stopGraceMs: 500 });
  return {
    queue,
    db,
    close: async () => {
      await queue.close();
      await redis.close();
      await db.destroy();
    },
  };
}

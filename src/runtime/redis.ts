import { Redis, type RedisOptions } from 'ioredis';
import { redactedUrl } from './redacted-url.js';
import { withTimeout } from './with-timeout.js';

const CONNECT_TIMEOUT_MS = 5_000;

export interface RedisClients {
  /**
   * For requests (queuing a job, the rate limiter): a command fails after one reconnection
   * attempt instead of holding a request for as long as Redis is away.
   */
  readonly commands: Redis;
  /** For BullMQ's workers, whose blocking reads must wait through an outage (BullMQ requires this). */
  readonly workers: Redis;
  close(): Promise<void>;
}

/**
 * Connects to REDIS_URL and checks that it answers, so a wrong or unreachable setting stops
 * start-up with a message naming REDIS_URL rather than failing on the first upload.
 */
export async function connectRedis(url: string): Promise<RedisClients> {
  const base: RedisOptions = { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, connectionName: 'photovault' };
  const commands = new Redis(url, { ...base, maxRetriesPerRequest: 1 });
  const workers = new Redis(url, { ...base, maxRetriesPerRequest: null });
  // ioredis reports connection errors as events too; without a listener each would be an
  // unhandled 'error' event. Reconnection is ioredis's own.
  for (const client of [commands, workers]) client.on('error', () => {});
  const close = async () => {
    await Promise.all([commands, workers].map((client) => client.quit().catch(() => client.disconnect())));
  };
  try {
    await withTimeout(Promise.all([commands.connect(), workers.connect()]), CONNECT_TIMEOUT_MS);
    await withTimeout(commands.ping(), CONNECT_TIMEOUT_MS);
  } catch (error) {
    commands.disconnect();
    workers.disconnect();
    throw new Error(`REDIS_URL: cannot reach Redis at ${redactedUrl(url)}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return { commands, workers, close };
}

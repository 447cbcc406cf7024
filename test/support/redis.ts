import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis the tests use (.ci/run starts one on 127.0.0.1:6379). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** Why Redis cannot be used, or null when it answers (for describeWith). */
export async function redisMissing(): Promise<string | null> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return `Redis at ${TEST_REDIS_URL} (${error instanceof Error ? error.message : String(error)}; start it with redis-server or set TEST_REDIS_URL)`;
  } finally {
    client.disconnect();
  }
}

/** A key prefix of its own for one test, so parallel runs sharing a Redis never meet. */
export function testKeyPrefix(): string {
  return `pvtest-${randomBytes(6).toString('hex')}`;
}

/** Deletes every key under `prefix` (a test's own namespace). */
export async function deleteKeys(prefix: string): Promise<void> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

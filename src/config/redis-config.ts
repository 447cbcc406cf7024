import { readUrl, type EnvReader } from './env-parsers.js';

/** REDIS_URL set: jobs go through BullMQ and the limiters count in Redis (scale-out). */
export interface RedisConfig {
  /** redis:// or rediss://, with an optional database index as the path (redis://host:6379/0). */
  readonly url: string;
  /** REDIS_KEY_PREFIX: namespaces every key, so several installations can share one Redis. */
  readonly keyPrefix: string;
}

const KEY_PREFIX = /^[A-Za-z0-9_-]{1,64}$/;

export function parseRedis(read: EnvReader): RedisConfig | undefined {
  const redis = readUrl(read, 'REDIS_URL', { protocols: ['redis:', 'rediss:'], example: 'redis://127.0.0.1:6379/0' });
  if (redis === undefined) return undefined;
  const { raw, url } = redis;
  // ioredis reads the database index from the path; anything else there is a mistake.
  if (url.pathname !== '' && !/^\/\d{0,5}$/.test(url.pathname)) throw read.fail('REDIS_URL', 'may only have a database index as its path (e.g. /0)');
  const keyPrefix = read.string('REDIS_KEY_PREFIX', 'photovault');
  if (!KEY_PREFIX.test(keyPrefix)) throw read.fail('REDIS_KEY_PREFIX', 'must be 1-64 letters, digits, _ or -');
  return { url: raw, keyPrefix };
}

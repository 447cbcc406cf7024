import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from '../errors/catalog.js';

/**
 * REDIS_URL set: the limiter counts in Redis, so a limit holds across every web instance (scale-out);
 * otherwise in this process's memory.
 */
export interface LimiterStore {
  readonly redis: Redis;
  readonly nameSpace: string;
}

export interface RequestLimitOptions {
  readonly store: LimiterStore | undefined;
  /** The log event of a refused request, e.g. `signup_throttled`. */
  readonly event: string;
  /** The problem document's detail for a refused request. */
  readonly describe: (retryAfterSeconds: number) => string;
}

/**
 * @fastify/rate-limit for the routes of one plugin (`global: false`: only routes that set
 * `config.rateLimit` are counted, per client address). Refusals are 429 problem documents with
 * Retry-After, logged as a security event (the 429 itself counts in photovault.throttled).
 */
export async function registerRequestLimits(app: FastifyInstance, options: RequestLimitOptions): Promise<void> {
  const { store } = options;
  await app.register(rateLimit, {
    global: false,
    ...(store && {
      redis: store.redis,
      nameSpace: `${store.nameSpace}:rate-limit:`,
      // Redis away: these requests go on unlimited rather than failing; the per-account and
      // per-address login lockouts live in the database and are unaffected.
      skipOnError: true,
    }),
    onExceeded: (request) => request.log.warn({ event: options.event }, 'rate limit reached'),
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.ceil(context.ttl / 1000);
      return new AppError('too_many_requests', { detail: options.describe(retryAfterSeconds), retryAfterSeconds });
    },
  });
}

import type { ThrottleRepository } from './throttle-repository.js';

export interface RequestLimitOptions {
  /** Requests allowed per window. */
  readonly max: number;
  readonly windowSeconds: number;
}

/**
 * A fixed-window request limit on one key of the throttle table (e.g. password-reset mails per
 * address): after `max` requests in a window, the key is locked for a window. Unlike the login
 * throttle it counts every request, not failures.
 */
export function createRequestLimit(repository: ThrottleRepository, options: RequestLimitOptions, now: () => number = Date.now) {
  const windowMs = options.windowSeconds * 1000;
  return {
    /** Seconds until the key may be used again, or 0. */
    async secondsLocked(key: string): Promise<number> {
      const state = await repository.find(key);
      const at = now();
      return state && state.lockedUntil > at ? Math.ceil((state.lockedUntil - at) / 1000) : 0;
    },
    /** Counts one request; the one that reaches the limit locks the key for a window. */
    async hit(key: string): Promise<void> {
      const at = now();
      const count = await repository.recordFailure(key, at, at - windowMs);
      if (count >= options.max) await repository.lockUntil(key, at + windowMs);
    },
  };
}

export type RequestLimit = ReturnType<typeof createRequestLimit>;

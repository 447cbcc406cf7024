import type { ThrottleConfig } from '../../config/config.js';
import type { ThrottleRepository } from './throttle-repository.js';

export interface ThrottleKeys {
  readonly account: string;
  readonly address: string;
}

/**
 * Brute-force protection per account and per client address (OWASP Authentication cheat sheet,
 * ASVS 5.0 6.3.1): after the limit, a lockout that doubles with each further failure up to a cap.
 * Unknown usernames are counted exactly like real ones, so lockouts reveal nothing about accounts.
 */
export function createLoginThrottle(repository: ThrottleRepository, config: ThrottleConfig, now: () => number = Date.now) {
  const limits = (keys: ThrottleKeys) =>
    [
      [keys.account, config.accountMaxFailures],
      [keys.address, config.addressMaxFailures],
    ] as const;

  return {
    /** Seconds the caller must wait before trying again, or 0. */
    async secondsLocked(keys: ThrottleKeys): Promise<number> {
      const at = now();
      let until = 0;
      for (const [key] of limits(keys)) {
        const state = await repository.find(key);
        if (state && state.lockedUntil > until) until = state.lockedUntil;
      }
      return until > at ? Math.ceil((until - at) / 1000) : 0;
    },

    /** Counts a failure on both keys; returns the lockout in seconds it caused (0 if none). */
    async recordFailure(keys: ThrottleKeys): Promise<number> {
      const at = now();
      const windowStart = at - config.windowSeconds * 1000;
      let lockedSeconds = 0;
      for (const [key, max] of limits(keys)) {
        const failures = await repository.recordFailure(key, at, windowStart);
        if (failures < max) continue;
        const seconds = Math.min(config.baseLockoutSeconds * 2 ** Math.min(failures - max, 20), config.maxLockoutSeconds);
        await repository.lockUntil(key, at + seconds * 1000);
        lockedSeconds = Math.max(lockedSeconds, seconds);
      }
      return lockedSeconds;
    },

    /** A successful login forgets the account's failures (the address keeps its count). */
    async recordSuccess(keys: ThrottleKeys): Promise<void> {
      await repository.clear(keys.account);
    },

    async purgeStale(): Promise<void> {
      await repository.deleteStale(now() - Math.max(config.windowSeconds, config.maxLockoutSeconds) * 1000);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

import type { FastifyBaseLogger } from 'fastify';
import { recordAuthFailure } from './metrics.js';

export interface LoginFailure {
  readonly reason: 'invalid_credentials' | 'throttled';
  readonly lockedSeconds: number;
}

/**
 * The account service's security events as metrics and logs: every refused login counts in
 * `photovault.auth.failures`, and a failure that starts a lockout is logged as `login_lockout`
 * (the route logs `login_failed` / `login_throttled` itself, with the request id).
 */
export function accountSecurityEvents(log: FastifyBaseLogger) {
  return {
    loginFailed({ reason, lockedSeconds }: LoginFailure): void {
      recordAuthFailure('password', reason);
      // A throttled attempt reports the running lockout; only the failure that starts one is logged.
      if (reason === 'invalid_credentials' && lockedSeconds > 0) log.warn({ event: 'login_lockout', locked_seconds: lockedSeconds }, 'login locked after repeated failures');
    },
  };
}

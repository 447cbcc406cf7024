import type { PasswordHasher } from '../password/hashing.js';
import { normalizePassword } from '../password/policy.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import type { CodeResult } from '../two-factor/two-factor-service.js';
import type { UserRepository } from '../user-repository.js';

export type IdentityCheckResult =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'wrong'; message: string }
  | { ok: false; reason: 'throttled'; message: string; retryAfterSeconds: number };

/** Re-authentication before a sensitive change: the password, or a current TOTP (or recovery) code. */
export type IdentityCheck = (userId: string, password: string, code: string, address: string) => Promise<IdentityCheckResult>;

export interface IdentityCheckDeps {
  readonly users: UserRepository;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  /** The two-factor service's code check (throttled on its own keys). */
  readonly checkCode: (userId: string, code: string, address: string) => Promise<CodeResult>;
}

const throttled = (seconds: number): IdentityCheckResult => ({ ok: false, reason: 'throttled', message: `Too many failed attempts. Try again in ${seconds} seconds.`, retryAfterSeconds: seconds });

// ASVS 5.0 6.2.x / 6.3.x: removing an authenticator needs the current password or another factor,
// so a session left open (or stolen) cannot quietly drop one; wrong passwords are throttled.
export function createIdentityCheck(deps: IdentityCheckDeps): IdentityCheck {
  return async (userId, password, code, address) => {
    if (password.length > 0) {
      const keys = { account: `reauth:${userId}`, address: `reauth-address:${address}` };
      const wait = await deps.throttle.secondsLocked(keys);
      if (wait > 0) return throttled(wait);
      const user = await deps.users.findById(userId);
      if (user && (await deps.hasher.verify(user.password_hash, normalizePassword(password)))) {
        await deps.throttle.recordSuccess(keys);
        return { ok: true };
      }
      const locked = await deps.throttle.recordFailure(keys);
      return locked > 0 ? throttled(locked) : { ok: false, reason: 'wrong', message: 'Your password was entered incorrectly.' };
    }
    if (code.trim() !== '') {
      const result = await deps.checkCode(userId, code, address);
      if (result.ok) return { ok: true };
      return result.reason === 'throttled' ? throttled(result.retryAfterSeconds) : { ok: false, reason: 'wrong', message: 'That code is not valid.' };
    }
    return { ok: false, reason: 'missing', message: 'Enter your password (or a current code) to remove a passkey.' };
  };
}

import { usernameKey } from '../identity.js';
import type { PasswordHasher } from '../password/hashing.js';
import { hasErrors, newPasswordErrors, type NewPasswordErrors } from '../password/new-password.js';
import { normalizePassword } from '../password/policy.js';
import type { PasswordReplacer } from '../password/replace-password.js';
import type { SessionService, StartedSession } from '../sessions/session-service.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import type { UserRepository } from '../user-repository.js';

export interface PasswordChangeDeps {
  readonly users: UserRepository;
  readonly sessions: SessionService;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly replacePassword: PasswordReplacer;
}

export interface PasswordChangeInput {
  readonly userId: string;
  readonly oldPassword: string;
  readonly password1: string;
  readonly password2: string;
  readonly address: string;
  /** The session making the change, renewed under a new id; null for an API token (every session ends). */
  readonly renewSession: { readonly userAgent: string } | null;
}

export type PasswordChangeErrors = NewPasswordErrors & { old_password?: string[] };

export type PasswordChangeResult =
  | { ok: true; session: StartedSession | null; sessionsEnded: number }
  | { ok: false; reason: 'invalid'; errors: PasswordChangeErrors }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

// Django's PasswordChangeForm message.
export const WRONG_OLD_PASSWORD = 'Your old password was entered incorrectly. Please enter it again.';

export function createPasswordChangeService(deps: PasswordChangeDeps) {
  return {
    /**
     * Checks the old password under the login throttle (a stolen session cannot guess it any faster
     * than the login form could), applies the password policy, stores the new hash, ends every
     * session and reset link, and starts a fresh session for the one that asked (no fixation).
     */
    async change(input: PasswordChangeInput): Promise<PasswordChangeResult> {
      const user = await deps.users.findById(input.userId);
      if (!user) return { ok: false, reason: 'invalid', errors: { old_password: [WRONG_OLD_PASSWORD] } };
      const keys = { account: `account:${usernameKey(user.username)}`, address: `address:${input.address}` };
      const waitSeconds = await deps.throttle.secondsLocked(keys);
      if (waitSeconds > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: waitSeconds };
      if (!(await deps.hasher.verify(user.password_hash, normalizePassword(input.oldPassword)))) {
        await deps.throttle.recordFailure(keys);
        return { ok: false, reason: 'invalid', errors: { old_password: [WRONG_OLD_PASSWORD] } };
      }
      const errors = await newPasswordErrors(input.password1, input.password2, user);
      if (hasErrors(errors)) return { ok: false, reason: 'invalid', errors };
      const sessionsEnded = await deps.replacePassword(user.id, await deps.hasher.hash(normalizePassword(input.password1)));
      const session = input.renewSession ? await deps.sessions.start(user.id, input.renewSession.userAgent) : null;
      return { ok: true, session, sessionsEnded };
    },
  };
}

export type PasswordChangeService = ReturnType<typeof createPasswordChangeService>;

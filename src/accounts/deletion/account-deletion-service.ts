import type { JobQueue } from '../../jobs/job-queue.js';
import { usernameKey } from '../identity.js';
import type { PasswordHasher } from '../password/hashing.js';
import { normalizePassword } from '../password/policy.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import type { TwoFactorService } from '../two-factor/two-factor-service.js';
import type { UserRepository } from '../user-repository.js';
import type { AccountDeletionRepository } from './account-deletion-repository.js';
import { deleteAccountJob } from './delete-account-job.js';

export interface AccountDeletionDeps {
  readonly repository: AccountDeletionRepository;
  readonly users: UserRepository;
  readonly hasher: PasswordHasher;
  readonly throttle: LoginThrottle;
  readonly twoFactor: Pick<TwoFactorService, 'status' | 'checkCode'>;
  readonly queue: Pick<JobQueue, 'enqueueWith' | 'enqueue'>;
  readonly now?: () => number;
}

export interface DeletionInput {
  readonly userId: string;
  readonly password: string;
  /** A TOTP or recovery code; required when two-factor login is on. */
  readonly code: string;
  readonly address: string;
}

export type DeletionRefusal = 'wrong_password' | 'code_required' | 'invalid_code' | 'last_admin';

export type DeletionResult = { ok: true } | { ok: false; reason: DeletionRefusal } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

// Django's PasswordChangeForm wording, for the same check.
export const DELETION_MESSAGES: Record<DeletionRefusal, string> = {
  wrong_password: 'Your password was entered incorrectly. Please enter it again.',
  code_required: 'Enter a code from your authenticator app or one of your recovery codes.',
  invalid_code: 'That code is not valid. Enter a current code from your authenticator app or an unused recovery code.',
  last_admin: 'You are the only administrator. Make another user an administrator before deleting your account.',
};

/** Thrown inside the marking transaction when another request marked the account first. */
class AlreadyMarked extends Error {}

/**
 * Deleting an account: the password (under the login throttle, so a stolen session guesses no
 * faster than the login form) and, with two-factor login on, a code (its own throttle, TOTP replay
 * refused, recovery codes single-use). Then one transaction marks the account deleted, ends its
 * sessions, API tokens and pending logins, and queues the job that removes its data.
 */
export function createAccountDeletionService(deps: AccountDeletionDeps) {
  const now = deps.now ?? (() => Date.now());
  return {
    twoFactorStatus: (userId: string) => deps.twoFactor.status(userId),

    async request(input: DeletionInput): Promise<DeletionResult> {
      const user = await deps.users.findById(input.userId);
      if (!user || user.deleted_at > 0) return { ok: false, reason: 'wrong_password' };
      // Checked first: a refusal here costs the user no code.
      if (user.role === 'admin' && (await deps.repository.countOtherActiveAdmins(user.id)) === 0) return { ok: false, reason: 'last_admin' };
      const keys = { account: `account:${usernameKey(user.username)}`, address: `address:${input.address}` };
      const waitSeconds = await deps.throttle.secondsLocked(keys);
      if (waitSeconds > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: waitSeconds };
      if (!(await deps.hasher.verify(user.password_hash, normalizePassword(input.password)))) {
        const locked = await deps.throttle.recordFailure(keys);
        return locked > 0 ? { ok: false, reason: 'throttled', retryAfterSeconds: locked } : { ok: false, reason: 'wrong_password' };
      }
      if (user.totp_enabled_at > 0) {
        if (input.code.trim() === '') return { ok: false, reason: 'code_required' };
        const checked = await deps.twoFactor.checkCode(user.id, input.code, input.address);
        if (!checked.ok) return checked.reason === 'throttled' ? checked : { ok: false, reason: 'invalid_code' };
      }
      await deps.throttle.recordSuccess(keys);
      try {
        await deps.queue.enqueueWith(async (trx) => {
          if (!(await deps.repository.markDeleted(trx, user.id, now()))) throw new AlreadyMarked();
        }, deleteAccountJob(user.id));
      } catch (error) {
        // A concurrent request marked it and queued the job: the outcome the user asked for.
        if (!(error instanceof AlreadyMarked)) throw error;
      }
      return { ok: true };
    },

    /**
     * Housekeeping: queues the deletion job of every account marked but not purged. A no-op for
     * jobs that exist; with BullMQ (queued after the commit) it repairs a crash in between.
     */
    async requeueUnfinished(): Promise<number> {
      let queued = 0;
      for (const userId of await deps.repository.listUnpurged(1000)) if (await deps.queue.enqueue(deleteAccountJob(userId))) queued++;
      return queued;
    },
  };
}

export type AccountDeletionService = ReturnType<typeof createAccountDeletionService>;

import type { UserRepository } from '../user-repository.js';
import type { ResetTokenRepository } from '../password-reset/reset-token-repository.js';
import type { SessionService } from '../sessions/session-service.js';

export interface ReplacePasswordDeps {
  readonly users: UserRepository;
  readonly sessions: SessionService;
  readonly resetTokens: ResetTokenRepository;
  readonly now?: () => number;
}

/**
 * Stores a new password hash and ends everything the old password opened (ASVS 5.0 7.4.3: sessions
 * end after a password change): every session of the user and every outstanding reset link.
 * Resolves to the number of sessions ended.
 */
export function createPasswordReplacer(deps: ReplacePasswordDeps) {
  const now = deps.now ?? Date.now;
  return async function replacePassword(userId: string, passwordHash: string): Promise<number> {
    await deps.users.updatePasswordHash(userId, passwordHash, now());
    await deps.resetTokens.deleteForUser(userId);
    return deps.sessions.endAll(userId);
  };
}

export type PasswordReplacer = ReturnType<typeof createPasswordReplacer>;

import type { Db } from '../../db/database.js';

export interface TotpState {
  readonly totp_secret: string;
  readonly totp_enabled_at: number;
  readonly totp_last_step: number;
}

export interface ChallengeWithUser {
  readonly user_id: string;
  readonly username: string;
  readonly next: string;
  readonly expires_at: number;
}

/** All SQL about two-factor login: the TOTP columns of users, recovery codes and pending login challenges. */
export function createTwoFactorRepository(db: Db) {
  return {
    async findState(userId: string): Promise<TotpState | undefined> {
      return db.selectFrom('users').select(['totp_secret', 'totp_enabled_at', 'totp_last_step']).where('id', '=', userId).executeTakeFirst();
    },
    /** Keeps a new secret awaiting confirmation; never replaces the secret of an enabled second factor. */
    async setPendingSecret(userId: string, sealed: string): Promise<void> {
      await db.updateTable('users').set({ totp_secret: sealed, totp_last_step: 0 }).where('id', '=', userId).where('totp_enabled_at', '=', 0).execute();
    },
    /** Turns the confirmed secret on with a fresh set of recovery codes, in one transaction; false if it changed meanwhile. */
    async enable(userId: string, sealed: string, step: number, codeHashes: readonly string[], at: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('users')
          .set({ totp_enabled_at: at, totp_last_step: step })
          .where('id', '=', userId)
          .where('totp_enabled_at', '=', 0)
          .where('totp_secret', '=', sealed)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await trx.insertInto('recovery_codes').values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, created_at: at }))).execute();
        return true;
      });
    },
    /** Records `step` as used; false when it (or a later one) already was: one atomic compare-and-set, so a replay loses even when concurrent. */
    async claimStep(userId: string, step: number): Promise<boolean> {
      const result = await db.updateTable('users').set({ totp_last_step: step }).where('id', '=', userId).where('totp_enabled_at', '>', 0).where('totp_last_step', '<', step).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Marks an unused recovery code used; false when there is no such unused code. */
    async useRecoveryCode(userId: string, codeHash: string, at: number): Promise<boolean> {
      const result = await db.updateTable('recovery_codes').set({ used_at: at }).where('user_id', '=', userId).where('code_hash', '=', codeHash).where('used_at', '=', 0).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async countUnusedRecoveryCodes(userId: string): Promise<number> {
      const row = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', '=', 0).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Turns two-factor login off: secret, state and recovery codes go. */
    async disable(userId: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ totp_secret: '', totp_enabled_at: 0, totp_last_step: 0 }).where('id', '=', userId).execute();
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await trx.deleteFrom('login_challenges').where('user_id', '=', userId).execute();
      });
    },
    async insertChallenge(challenge: { id_hash: string; user_id: string; next: string; created_at: number; expires_at: number }): Promise<void> {
      await db.insertInto('login_challenges').values(challenge).execute();
    },
    /** The challenge and its user, only while that user is enabled and still has a second factor (TOTP or a passkey). */
    async findChallenge(idHash: string): Promise<ChallengeWithUser | undefined> {
      return db
        .selectFrom('login_challenges')
        .innerJoin('users', 'users.id', 'login_challenges.user_id')
        .select(['login_challenges.user_id', 'users.username', 'login_challenges.next', 'login_challenges.expires_at'])
        .where('login_challenges.id_hash', '=', idHash)
        .where('users.disabled_at', '=', 0)
        .where((eb) => eb.or([eb('users.totp_enabled_at', '>', 0), eb.exists(eb.selectFrom('passkeys').select('passkeys.id').whereRef('passkeys.user_id', '=', 'users.id'))]))
        .executeTakeFirst();
    },
    /** Deletes the challenge; false when it was already gone (used by a concurrent request). */
    async deleteChallenge(idHash: string): Promise<boolean> {
      const result = await db.deleteFrom('login_challenges').where('id_hash', '=', idHash).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteExpiredChallenges(now: number): Promise<number> {
      const result = await db.deleteFrom('login_challenges').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type TwoFactorRepository = ReturnType<typeof createTwoFactorRepository>;

import type { Db } from '../../db/database.js';
import type { PasswordResetTokensTable } from '../../db/schema.js';

export interface ResetTokenOwner {
  readonly userId: string;
  readonly username: string;
  readonly email: string;
}

/** All SQL about password-reset tokens. */
export function createResetTokenRepository(db: Db) {
  return {
    async insert(row: PasswordResetTokensTable): Promise<void> {
      await db.insertInto('password_reset_tokens').values(row).execute();
    },
    /** The owner of a live (unexpired) token, without using it up. */
    async findLive(tokenHash: string, now: number): Promise<ResetTokenOwner | undefined> {
      const row = await db
        .selectFrom('password_reset_tokens')
        .innerJoin('users', 'users.id', 'password_reset_tokens.user_id')
        .select(['users.id', 'users.username', 'users.email'])
        .where('password_reset_tokens.token_hash', '=', tokenHash)
        .where('password_reset_tokens.expires_at', '>', now)
        .executeTakeFirst();
      return row && { userId: row.id, username: row.username, email: row.email };
    },
    /**
     * Uses the token up: one DELETE … RETURNING, so of two requests racing with the same link only
     * one gets the user id back (single use). Resolves undefined for an unknown or expired token.
     */
    async consume(tokenHash: string, now: number): Promise<string | undefined> {
      const row = await db
        .deleteFrom('password_reset_tokens')
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .returning('user_id')
        .executeTakeFirst();
      return row?.user_id;
    },
    /** Every outstanding link of the user stops working (after any password change). */
    async deleteForUser(userId: string): Promise<void> {
      await db.deleteFrom('password_reset_tokens').where('user_id', '=', userId).execute();
    },
    async deleteExpired(now: number): Promise<number> {
      const result = await db.deleteFrom('password_reset_tokens').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type ResetTokenRepository = ReturnType<typeof createResetTokenRepository>;

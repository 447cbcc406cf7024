import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../../db/database.js';
import type { PasskeysTable, WebauthnChallengesTable } from '../../db/schema.js';

export type PasskeyRecord = Selectable<PasskeysTable>;
export type ChallengeRecord = Selectable<WebauthnChallengesTable>;

/** A passkey with the user it logs in (for a passwordless login, where the credential names the user). */
export interface PasskeyWithUser extends PasskeyRecord {
  readonly username: string;
  readonly disabled_at: number;
}

const normalize = <T extends { counter: number | string; created_at: number | string; last_used_at: number | string }>(row: T): T => ({
  ...row,
  // PostgreSQL's bigint comes back as a string.
  counter: Number(row.counter),
  created_at: Number(row.created_at),
  last_used_at: Number(row.last_used_at),
});

/** All SQL about passkeys and pending WebAuthn challenges. */
export function createPasskeyRepository(db: Db) {
  return {
    async listByUser(userId: string): Promise<PasskeyRecord[]> {
      const rows = await db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
      return rows.map(normalize);
    },
    async countByUser(userId: string): Promise<number> {
      const row = await db.selectFrom('passkeys').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async findOwned(userId: string, id: string): Promise<PasskeyRecord | undefined> {
      const row = await db.selectFrom('passkeys').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return row && normalize(row);
    },
    async findByCredentialId(credentialId: string): Promise<PasskeyWithUser | undefined> {
      const row = await db
        .selectFrom('passkeys')
        .innerJoin('users', 'users.id', 'passkeys.user_id')
        .selectAll('passkeys')
        .select(['users.username', 'users.disabled_at'])
        .where('passkeys.credential_id', '=', credentialId)
        .executeTakeFirst();
      return row && { ...normalize(row), disabled_at: Number(row.disabled_at) };
    },
    /** Inserts a new passkey; false when that credential is already registered (to anyone). */
    async insert(passkey: Insertable<PasskeysTable>): Promise<boolean> {
      const result = await db.insertInto('passkeys').values(passkey).onConflict((oc) => oc.column('credential_id').doNothing()).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    /**
     * Records a use: compare-and-set on the counter, so of two concurrent assertions carrying the
     * same counter only one wins. False when the counter moved meanwhile.
     */
    async recordUse(id: string, expectedCounter: number, newCounter: number, at: number): Promise<boolean> {
      const result = await db.updateTable('passkeys').set({ counter: newCounter, last_used_at: at }).where('id', '=', id).where('counter', '=', expectedCounter).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async rename(userId: string, id: string, name: string): Promise<boolean> {
      const result = await db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async remove(userId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async removeAll(userId: string): Promise<number> {
      const result = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    /** The handle this user's passkeys already carry, so one authenticator keeps one passkey per user. */
    async userHandleOf(userId: string): Promise<string | undefined> {
      const row = await db.selectFrom('passkeys').select('user_handle').where('user_id', '=', userId).limit(1).executeTakeFirst();
      return row?.user_handle;
    },

    /** Stores a challenge, replacing an earlier one of the same binding and purpose (a second tab, a retry). */
    async putChallenge(challenge: ChallengeRecord): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('webauthn_challenges').where('binding', '=', challenge.binding).where('purpose', '=', challenge.purpose).execute();
        await trx.insertInto('webauthn_challenges').values(challenge).execute();
      });
    },
    /** Takes the challenge out: of two concurrent takes only one gets it (the delete decides). */
    async takeChallenge(binding: string, purpose: string): Promise<ChallengeRecord | undefined> {
      const row = await db.selectFrom('webauthn_challenges').selectAll().where('binding', '=', binding).where('purpose', '=', purpose).executeTakeFirst();
      if (!row) return undefined;
      const result = await db
        .deleteFrom('webauthn_challenges')
        .where('binding', '=', binding)
        .where('purpose', '=', purpose)
        .where('challenge', '=', row.challenge)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1 ? { ...row, expires_at: Number(row.expires_at) } : undefined;
    },
    async deleteExpiredChallenges(now: number): Promise<number> {
      const result = await db.deleteFrom('webauthn_challenges').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type PasskeyRepository = ReturnType<typeof createPasskeyRepository>;

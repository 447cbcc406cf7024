import type { Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';

export interface DeletionUserRow {
  readonly id: string;
  readonly username: string;
  readonly username_key: string;
  readonly created_at: number;
  readonly disabled_at: number;
  readonly deleted_at: number;
  readonly purged_at: number;
}

const USER_COLUMNS = ['id', 'username', 'username_key', 'created_at', 'disabled_at', 'deleted_at', 'purged_at'] as const;

/** All SQL of account deletion: the mark, the deletion job's steps and the tombstone. */
export function createAccountDeletionRepository(db: Db) {
  return {
    async findUser(id: string): Promise<DeletionUserRow | undefined> {
      const row = await db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirst();
      return row && { ...row, created_at: Number(row.created_at), disabled_at: Number(row.disabled_at), deleted_at: Number(row.deleted_at), purged_at: Number(row.purged_at) };
    },

    /** Admins other than this user who can still act (not disabled, not deleted). */
    async countOtherActiveAdmins(userId: string): Promise<number> {
      const row = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('id', '!=', userId)
        .where('disabled_at', '=', 0)
        .where('deleted_at', '=', 0)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /**
     * Marks the account deleted and ends every credential of it, in the caller's transaction (the
     * deletion job is queued in the same one). Resolves false when it was already marked.
     */
    async markDeleted(trx: Transaction<Database>, userId: string, at: number): Promise<boolean> {
      const marked = await trx.updateTable('users').set({ deleted_at: at }).where('id', '=', userId).where('deleted_at', '=', 0).executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return false;
      // Sessions and API tokens are looked up with `disabled_at = 0`: this alone stops them at once.
      await trx.updateTable('users').set({ disabled_at: at }).where('id', '=', userId).where('disabled_at', '=', 0).execute();
      await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
      await trx.deleteFrom('api_tokens').where('user_id', '=', userId).execute();
      await trx.deleteFrom('login_challenges').where('user_id', '=', userId).execute();
      await trx.deleteFrom('password_reset_tokens').where('user_id', '=', userId).execute();
      return true;
    },

    /** Accounts marked deleted whose deletion job has not finished (housekeeping re-queues them). */
    async listUnpurged(limit: number): Promise<string[]> {
      const rows = await db.selectFrom('users').select('id').where('deleted_at', '>', 0).where('purged_at', '=', 0).orderBy('deleted_at').limit(limit).execute();
      return rows.map((row) => row.id);
    },

    async deleteShareLinks(userId: string): Promise<number> {
      const result = await db.deleteFrom('share_links').where('owner_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async deleteAlbums(userId: string): Promise<number> {
      const result = await db.deleteFrom('albums').where('owner_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async photoIds(userId: string, limit: number): Promise<string[]> {
      const rows = await db.selectFrom('photos').select('id').where('owner_id', '=', userId).orderBy('id').limit(limit).execute();
      return rows.map((row) => row.id);
    },

    async deletePhotos(userId: string, ids: readonly string[]): Promise<number> {
      if (ids.length === 0) return 0;
      const result = await db.deleteFrom('photos').where('owner_id', '=', userId).where('id', 'in', ids).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async exportIds(userId: string): Promise<string[]> {
      const rows = await db.selectFrom('account_exports').select('id').where('user_id', '=', userId).execute();
      return rows.map((row) => row.id);
    },

    async deleteExports(userId: string): Promise<void> {
      await db.deleteFrom('account_exports').where('user_id', '=', userId).execute();
    },

    /**
     * The last step: the user row is deleted, so every row that references it goes by cascade
     * (second factors, passkeys, anything a later feature adds), and a tombstone takes its place
     * with the same id (audit entries name it) and username (nobody can sign up under it), and
     * nothing else: no email, no password hash, no second factor.
     */
    async replaceWithTombstone(user: DeletionUserRow, at: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('users').where('id', '=', user.id).execute();
        await trx
          .insertInto('users')
          .values({
            id: user.id,
            username: user.username,
            username_key: user.username_key,
            email: '',
            email_key: '',
            password_hash: '',
            created_at: user.created_at,
            password_changed_at: at,
            disabled_at: user.disabled_at > 0 ? user.disabled_at : at,
            deleted_at: user.deleted_at,
            purged_at: at,
          })
          .execute();
      });
    },
  };
}

export type AccountDeletionRepository = ReturnType<typeof createAccountDeletionRepository>;

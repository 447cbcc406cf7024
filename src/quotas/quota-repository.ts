import type { Kysely } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database, PhotoStatus } from '../db/schema.js';

/** Photos that hold no stored files: they take no room. */
const UNSTORED_STATUSES: readonly PhotoStatus[] = ['rejected', 'failed', 'removed'];

/** All SQL of storage quotas: a user's limit (users.storage_quota_bytes, migration 0014) and usage. */
export function createQuotaRepository(db: Db) {
  return {
    /** The user's quota in bytes; null: no limit; undefined: no such user. */
    async quotaOf(userId: string, executor: Kysely<Database> = db): Promise<number | null | undefined> {
      const row = await executor.selectFrom('users').select('storage_quota_bytes').where('id', '=', userId).executeTakeFirst();
      return row === undefined ? undefined : row.storage_quota_bytes === null ? null : Number(row.storage_quota_bytes);
    },

    /** Bytes of the user's photos, in the library and in the Trash (trashed photos count until purged). */
    async usageOf(userId: string, executor: Kysely<Database> = db): Promise<number> {
      const row = await executor
        .selectFrom('photos')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('bytes'), eb.val(0)).as('total'))
        .where('owner_id', '=', userId)
        .where('status', 'not in', UNSTORED_STATUSES)
        .executeTakeFirstOrThrow();
      return Number(row.total);
    },

    /**
     * Takes the user's row lock for the rest of `trx` by writing the row unchanged: on PostgreSQL a
     * second transaction doing the same waits here until the first commits, then reads its photos
     * (READ COMMITTED); on SQLite the write takes the database's write lock. Portable, unlike
     * `SELECT … FOR UPDATE`, which SQLite does not have.
     */
    async lockOwner(userId: string, trx: Kysely<Database>): Promise<void> {
      await trx.updateTable('users').set((eb) => ({ storage_quota_bytes: eb.ref('storage_quota_bytes') })).where('id', '=', userId).execute();
    },

    /** Sets the user's quota (null: no limit); false when there is no such user. */
    async setQuota(userId: string, bytes: number | null): Promise<boolean> {
      const result = await db.updateTable('users').set({ storage_quota_bytes: bytes }).where('id', '=', userId).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type QuotaRepository = ReturnType<typeof createQuotaRepository>;

import type { Db } from '../db/database.js';
import type { PhotoRecord } from '../photos/photo-repository.js';

/** Moving photos to the Trash: all of them, or none when one is not the owner's photo in the library. */
export type TrashOutcome = { readonly ok: true; readonly trashed: number } | { readonly ok: false };

/** A trashed photo the purge may delete: its owner is needed to remove its files. */
export interface ExpiredTrash {
  readonly id: string;
  readonly owner_id: string;
}

/**
 * All SQL of the Trash (photos.trashed_at, migration 0014). Every owner-side query carries the
 * owner in its WHERE clause; the library side of the rule is photo-repository.ts's whereNotTrashed.
 */
export function createTrashRepository(db: Db) {
  return {
    /** Moves the owner's photos to the Trash in one transaction; a missing, foreign or already trashed id refuses them all. */
    async trash(ownerId: string, ids: readonly string[], at: number): Promise<TrashOutcome> {
      if (ids.length === 0) return { ok: true, trashed: 0 };
      return db.transaction().execute(async (trx) => {
        const result = await trx.updateTable('photos').set({ trashed_at: at }).where('owner_id', '=', ownerId).where('id', 'in', [...ids]).where('trashed_at', 'is', null).executeTakeFirst();
        const trashed = Number(result.numUpdatedRows);
        // Thrown to roll the transaction back: no partial trashing.
        if (trashed !== ids.length) throw new PartialTrash();
        return { ok: true, trashed } as const;
      }).catch((error: unknown) => {
        if (error instanceof PartialTrash) return { ok: false } as const;
        throw error;
      });
    },

    /** Brings a trashed photo of the owner back; false when the owner has no such photo in the Trash. */
    async restore(ownerId: string, id: string): Promise<boolean> {
      const result = await db.updateTable('photos').set({ trashed_at: null }).where('id', '=', id).where('owner_id', '=', ownerId).where('trashed_at', 'is not', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** A page of the owner's Trash, most recently trashed first (index photos_owner_trashed). */
    async listForOwner(ownerId: string, limit: number, offset: number): Promise<PhotoRecord[]> {
      return db
        .selectFrom('photos')
        .selectAll()
        .where('owner_id', '=', ownerId)
        .where('trashed_at', 'is not', null)
        .orderBy('trashed_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
    },

    async countForOwner(ownerId: string): Promise<number> {
      const row = await db
        .selectFrom('photos')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('owner_id', '=', ownerId)
        .where('trashed_at', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Ids of the owner's trashed photos, a batch at a time (emptying the Trash). */
    async listIdsForOwner(ownerId: string, limit: number): Promise<string[]> {
      const rows = await db.selectFrom('photos').select('id').where('owner_id', '=', ownerId).where('trashed_at', 'is not', null).orderBy('trashed_at').orderBy('id').limit(limit).execute();
      return rows.map((r) => r.id);
    },

    /** Trashed photos (anyone's) trashed at or before `cutoff`, oldest first (index photos_trashed). */
    async listTrashedBefore(cutoff: number, limit: number): Promise<ExpiredTrash[]> {
      return db.selectFrom('photos').select(['id', 'owner_id']).where('trashed_at', 'is not', null).where('trashed_at', '<=', cutoff).orderBy('trashed_at').orderBy('id').limit(limit).execute();
    },

    /**
     * Deletes the photo's row only while it is still in the Trash since `cutoff` or earlier: a photo
     * restored meanwhile, or one another process already deleted, is left alone (false).
     */
    async deleteIfTrashed(ownerId: string, id: string, cutoff: number): Promise<boolean> {
      const result = await db.deleteFrom('photos').where('id', '=', id).where('owner_id', '=', ownerId).where('trashed_at', 'is not', null).where('trashed_at', '<=', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}

class PartialTrash extends Error {
  constructor() {
    super('partial trash');
  }
}

export type TrashRepository = ReturnType<typeof createTrashRepository>;

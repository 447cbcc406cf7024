import type { Db } from '../db/database.js';

export interface PhotoListItem {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly createdAt: number;
}

/** All SQL about photos. */
export function createPhotoRepository(db: Db) {
  return {
    /** The owner's photos, newest first (index photos_owner_created). */
    async listForOwner(ownerId: string, limit: number, offset: number): Promise<PhotoListItem[]> {
      const rows = await db
        .selectFrom('photos')
        .select(['id', 'title', 'status', 'created_at'])
        .where('owner_id', '=', ownerId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
      return rows.map((r) => ({ id: r.id, title: r.title, status: r.status, createdAt: r.created_at }));
    },
    async countForOwner(ownerId: string): Promise<number> {
      const row = await db.selectFrom('photos').select((eb) => eb.fn.countAll<number>().as('n')).where('owner_id', '=', ownerId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type PhotoRepository = ReturnType<typeof createPhotoRepository>;

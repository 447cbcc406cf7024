import type { Db } from '../db/database.js';
import type { ShareLinksTable } from '../db/schema.js';
import type { PhotoRecord } from '../photos/photo-repository.js';

/** A link as its owner may see it: everything but the token's hash. */
export type ShareLinkRow = Omit<ShareLinksTable, 'token_hash'>;

/** A link found by its token, with the photo it shares. */
export interface ShareWithPhoto {
  readonly share: ShareLinkRow;
  readonly photo: PhotoRecord;
}

const LISTED_COLUMNS = ['id', 'photo_id', 'owner_id', 'password_hash', 'expires_at', 'revoked_at', 'created_at', 'views'] as const;

/** All SQL about share links. Owner-side queries carry the owner in the WHERE clause. */
export function createShareRepository(db: Db) {
  return {
    async insert(row: ShareLinksTable): Promise<void> {
      await db.insertInto('share_links').values(row).execute();
    },

    /** The owner's links to one photo, newest first (index share_links_photo_created). */
    async listForPhoto(ownerId: string, photoId: string, limit: number): Promise<ShareLinkRow[]> {
      return db
        .selectFrom('share_links')
        .select(LISTED_COLUMNS)
        .where('photo_id', '=', photoId)
        .where('owner_id', '=', ownerId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },

    async findOwned(ownerId: string, photoId: string, id: string): Promise<ShareLinkRow | undefined> {
      return db.selectFrom('share_links').select(LISTED_COLUMNS).where('id', '=', id).where('photo_id', '=', photoId).where('owner_id', '=', ownerId).executeTakeFirst();
    },

    async markRevoked(ownerId: string, id: string, at: number): Promise<void> {
      await db.updateTable('share_links').set({ revoked_at: at }).where('id', '=', id).where('owner_id', '=', ownerId).where('revoked_at', '=', 0).execute();
    },

    /** The link with this token hash (unique index) and the photo it shares, if both still exist. */
    async findByTokenHash(tokenHash: string): Promise<ShareWithPhoto | undefined> {
      const share = await db.selectFrom('share_links').select(LISTED_COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
      if (!share) return undefined;
      const photo = await db.selectFrom('photos').selectAll().where('id', '=', share.photo_id).where('owner_id', '=', share.owner_id).executeTakeFirst();
      return photo && { share, photo };
    },

    /** Counts one view with an atomic increment (no lost updates under concurrent viewers). */
    async countView(id: string): Promise<void> {
      await db
        .updateTable('share_links')
        .set((eb) => ({ views: eb('views', '+', 1) }))
        .where('id', '=', id)
        .execute();
    },
  };
}

export type ShareRepository = ReturnType<typeof createShareRepository>;

import type { Db } from '../db/database.js';
import type { Selectable } from 'kysely';
import type { AlbumsTable, ShareLinksTable } from '../db/schema.js';
import { whereNotTrashed, type PhotoRecord } from '../photos/photo-repository.js';

/** A link as its owner may see it: everything but the token's hash. */
export type ShareLinkRow = Omit<ShareLinksTable, 'token_hash'>;

/** What a link shares: one photo or one album (exactly one of share_links.photo_id and album_id). */
export interface ShareTarget {
  readonly kind: 'photo' | 'album';
  readonly id: string;
}

/** A link found by its token, with the photo or album it shares. */
export type ShareWithTarget =
  | { readonly kind: 'photo'; readonly share: ShareLinkRow; readonly photo: PhotoRecord }
  | { readonly kind: 'album'; readonly share: ShareLinkRow; readonly album: Selectable<AlbumsTable> };

export type ShareWithPhoto = Extract<ShareWithTarget, { kind: 'photo' }>;

const LISTED_COLUMNS = ['id', 'photo_id', 'album_id', 'owner_id', 'password_hash', 'expires_at', 'revoked_at', 'created_at', 'views'] as const;
const TARGET_COLUMN = { photo: 'photo_id', album: 'album_id' } as const;

/** All SQL about share links. Owner-side queries carry the owner in the WHERE clause. */
export function createShareRepository(db: Db) {
  return {
    async insert(row: ShareLinksTable): Promise<void> {
      await db.insertInto('share_links').values(row).execute();
    },

    /** The owner's links to one photo or album, newest first (index share_links_photo_created or _album_created). */
    async listFor(ownerId: string, target: ShareTarget, limit: number): Promise<ShareLinkRow[]> {
      return db
        .selectFrom('share_links')
        .select(LISTED_COLUMNS)
        .where(TARGET_COLUMN[target.kind], '=', target.id)
        .where('owner_id', '=', ownerId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },

    async findOwned(ownerId: string, target: ShareTarget, id: string): Promise<ShareLinkRow | undefined> {
      return db.selectFrom('share_links').select(LISTED_COLUMNS).where('id', '=', id).where(TARGET_COLUMN[target.kind], '=', target.id).where('owner_id', '=', ownerId).executeTakeFirst();
    },

    async markRevoked(ownerId: string, id: string, at: number): Promise<void> {
      await db.updateTable('share_links').set({ revoked_at: at }).where('id', '=', id).where('owner_id', '=', ownerId).where('revoked_at', '=', 0).execute();
    },

    /** The link with this token hash (unique index) and the photo (not in the Trash) or album it shares, if both still exist. */
    async findByTokenHash(tokenHash: string): Promise<ShareWithTarget | undefined> {
      const share = await db.selectFrom('share_links').select(LISTED_COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
      if (!share) return undefined;
      if (share.album_id !== null) {
        const album = await db.selectFrom('albums').selectAll().where('id', '=', share.album_id).where('owner_id', '=', share.owner_id).executeTakeFirst();
        return album && { kind: 'album', share, album };
      }
      if (share.photo_id === null) return undefined;
      // A photo in the Trash is shared no more: its links answer like revoked ones until it is restored.
      const photo = await whereNotTrashed(db.selectFrom('photos').selectAll().where('id', '=', share.photo_id).where('owner_id', '=', share.owner_id)).executeTakeFirst();
      return photo && { kind: 'photo', share, photo };
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

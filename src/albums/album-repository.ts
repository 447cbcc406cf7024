import type { ExpressionBuilder, Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { AlbumsTable, Database } from '../db/schema.js';
import { whereNotTrashed, type PhotoRecord } from '../photos/photo-repository.js';

export type AlbumRow = Selectable<AlbumsTable>;

/** An album as its lists show it: the count and the cover are of its ready photos (not in the Trash) only. */
export interface AlbumSummaryRow extends AlbumRow {
  readonly photo_count: number;
  /** The chosen cover while it is a ready photo of the album, else the first ready photo; null when none. */
  readonly cover_id: string | null;
}

export type AddPhotosOutcome = { readonly ok: true; readonly added: number } | { readonly ok: false; readonly reason: 'album_not_found' | 'photo_not_found' };

export type CoverOutcome = 'ok' | 'album_not_found' | 'photo_not_found';

// The ready photos of the album in the outer query (`albums`), not in the Trash, as a correlated subquery.
function readyMembers(eb: ExpressionBuilder<Database, 'albums'>) {
  return whereNotTrashed(eb.selectFrom('album_photos as ap').innerJoin('photos as p', 'p.id', 'ap.photo_id').whereRef('ap.album_id', '=', 'albums.id').where('p.status', '=', 'ready'), 'p');
}

/**
 * All SQL about albums. Every query about an album carries its owner in the WHERE clause, and
 * photos enter an album only through a query that reads them with the same owner.
 */
export function createAlbumRepository(db: Db) {
  const summaries = (ownerId: string) =>
    db
      .selectFrom('albums')
      .selectAll('albums')
      .select((eb) => [
        readyMembers(eb)
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('photo_count'),
        eb.fn
          .coalesce(
            readyMembers(eb).select('p.id').whereRef('p.id', '=', 'albums.cover_photo_id').limit(1),
            readyMembers(eb).select('p.id').orderBy('ap.position').orderBy('ap.photo_id').limit(1),
          )
          .as('cover_id'),
      ])
      .where('albums.owner_id', '=', ownerId);
  const toSummary = (row: AlbumRow & { photo_count: number | string | null; cover_id: string | null }): AlbumSummaryRow => ({ ...row, photo_count: Number(row.photo_count ?? 0), cover_id: row.cover_id ?? null });

  return {
    /** A new album, with its first photos (already checked to be the owner's) in the same transaction. */
    async insert(album: AlbumRow, photoIds: readonly string[]): Promise<AddPhotosOutcome> {
      try {
        return await db.transaction().execute(async (trx) => {
          await trx.insertInto('albums').values(album).execute();
          const outcome = await addOwnedPhotos(trx, album.owner_id, album.id, photoIds, album.created_at);
          // Thrown to roll the album back: no album is made when one of its photos is refused.
          if (!outcome.ok) throw new RefusedPhotos(outcome);
          return outcome;
        });
      } catch (error) {
        if (error instanceof RefusedPhotos) return error.outcome;
        throw error;
      }
    },

    /** One page of the owner's albums, newest first (index albums_owner_created_id). */
    async listForOwner(ownerId: string, limit: number, offset: number): Promise<AlbumSummaryRow[]> {
      const rows = await summaries(ownerId).orderBy('albums.created_at', 'desc').orderBy('albums.id', 'desc').limit(limit).offset(offset).execute();
      return rows.map(toSummary);
    },

    async findOwned(ownerId: string, id: string): Promise<AlbumSummaryRow | undefined> {
      const row = await summaries(ownerId).where('albums.id', '=', id).executeTakeFirst();
      return row && toSummary(row);
    },

    /** Names of the owner's albums, for a picker; newest first. */
    async listNames(ownerId: string, limit: number): Promise<{ id: string; name: string }[]> {
      return db.selectFrom('albums').select(['id', 'name']).where('owner_id', '=', ownerId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },

    /** The owner's albums that hold this photo. */
    async listContaining(ownerId: string, photoId: string, limit: number): Promise<{ id: string; name: string }[]> {
      return db
        .selectFrom('album_photos')
        .innerJoin('albums', 'albums.id', 'album_photos.album_id')
        .select(['albums.id', 'albums.name'])
        .where('album_photos.photo_id', '=', photoId)
        .where('albums.owner_id', '=', ownerId)
        .orderBy('albums.name')
        .orderBy('albums.id')
        .limit(limit)
        .execute();
    },

    async rename(ownerId: string, id: string, name: string, now: number): Promise<boolean> {
      const result = await db.updateTable('albums').set({ name, updated_at: now }).where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Deletes the album, its photo pairs and its share links (cascades); never a photo. */
    async deleteOwned(ownerId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('albums').where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    /** Adds photos to the owner's album: all of them, or none when one is not the owner's. */
    async addPhotos(ownerId: string, albumId: string, photoIds: readonly string[], now: number): Promise<AddPhotosOutcome> {
      return db.transaction().execute(async (trx) => {
        if (!(await ownedAlbumExists(trx, ownerId, albumId))) return { ok: false, reason: 'album_not_found' };
        const outcome = await addOwnedPhotos(trx, ownerId, albumId, photoIds, now);
        if (outcome.ok) await trx.updateTable('albums').set({ updated_at: now }).where('id', '=', albumId).execute();
        return outcome;
      });
    },

    /** Removes photos from the owner's album (those not in it are ignored); undefined when there is no such album. */
    async removePhotos(ownerId: string, albumId: string, photoIds: readonly string[], now: number): Promise<number | undefined> {
      return db.transaction().execute(async (trx) => {
        if (!(await ownedAlbumExists(trx, ownerId, albumId))) return undefined;
        const result = await trx.deleteFrom('album_photos').where('album_id', '=', albumId).where('photo_id', 'in', [...photoIds]).executeTakeFirst();
        // A removed cover falls back to the first photo.
        await trx
          .updateTable('albums')
          .set({ updated_at: now })
          .set((eb) => ({ cover_photo_id: eb.case().when('cover_photo_id', 'in', [...photoIds]).then(null).else(eb.ref('cover_photo_id')).end() }))
          .where('id', '=', albumId)
          .execute();
        return Number(result.numDeletedRows);
      });
    },

    /** Chooses the cover among the album's photos; null goes back to the first photo. */
    async setCover(ownerId: string, albumId: string, photoId: string | null, now: number): Promise<CoverOutcome> {
      return db.transaction().execute(async (trx) => {
        if (!(await ownedAlbumExists(trx, ownerId, albumId))) return 'album_not_found';
        if (photoId !== null) {
          const member = await trx.selectFrom('album_photos').select('photo_id').where('album_id', '=', albumId).where('photo_id', '=', photoId).executeTakeFirst();
          if (!member) return 'photo_not_found';
        }
        await trx.updateTable('albums').set({ cover_photo_id: photoId, updated_at: now }).where('id', '=', albumId).execute();
        return 'ok';
      });
    },

    /** A page of the album's ready photos (not in the Trash) in album order. The caller has checked who may see the album. */
    async listReadyPhotos(albumId: string, limit: number, offset: number): Promise<PhotoRecord[]> {
      return whereNotTrashed(
        db.selectFrom('album_photos').innerJoin('photos', 'photos.id', 'album_photos.photo_id').selectAll('photos').where('album_photos.album_id', '=', albumId).where('photos.status', '=', 'ready'),
      )
        .orderBy('album_photos.position')
        .orderBy('album_photos.photo_id')
        .limit(limit)
        .offset(offset)
        .execute();
    },

    /** One ready photo of the album, or undefined when it is not in it (or not ready, or in the Trash). */
    async findReadyPhoto(albumId: string, photoId: string): Promise<PhotoRecord | undefined> {
      return whereNotTrashed(
        db
          .selectFrom('album_photos')
          .innerJoin('photos', 'photos.id', 'album_photos.photo_id')
          .selectAll('photos')
          .where('album_photos.album_id', '=', albumId)
          .where('album_photos.photo_id', '=', photoId)
          .where('photos.status', '=', 'ready'),
      ).executeTakeFirst();
    },

    /** The given photos (by id) of one owner: the covers of a page of albums. */
    async findPhotos(ownerId: string, ids: readonly string[]): Promise<PhotoRecord[]> {
      if (ids.length === 0) return [];
      return db.selectFrom('photos').selectAll().where('owner_id', '=', ownerId).where('id', 'in', [...ids]).execute();
    },
  };
}

class RefusedPhotos extends Error {
  constructor(readonly outcome: AddPhotosOutcome) {
    super('refused photos');
  }
}

type Executor = Pick<Db, 'selectFrom' | 'insertInto' | 'updateTable'>;

async function ownedAlbumExists(trx: Executor, ownerId: string, albumId: string): Promise<boolean> {
  return (await trx.selectFrom('albums').select('id').where('id', '=', albumId).where('owner_id', '=', ownerId).executeTakeFirst()) !== undefined;
}

// Reads the photos with the owner in the query: someone else's id, an unknown one and one in the Trash look the same.
async function addOwnedPhotos(trx: Executor, ownerId: string, albumId: string, photoIds: readonly string[], now: number): Promise<AddPhotosOutcome> {
  if (photoIds.length === 0) return { ok: true, added: 0 };
  const owned = await whereNotTrashed(trx.selectFrom('photos').select('id').where('owner_id', '=', ownerId).where('id', 'in', [...photoIds])).execute();
  if (owned.length !== photoIds.length) return { ok: false, reason: 'photo_not_found' };
  const present = new Set((await trx.selectFrom('album_photos').select('photo_id').where('album_id', '=', albumId).where('photo_id', 'in', [...photoIds]).execute()).map((r) => r.photo_id));
  const fresh = photoIds.filter((id) => !present.has(id));
  if (fresh.length === 0) return { ok: true, added: 0 };
  const last = await trx.selectFrom('album_photos').select((eb) => eb.fn.max('position').as('p')).where('album_id', '=', albumId).executeTakeFirst();
  const start = Number(last?.p ?? 0) + 1;
  await trx
    .insertInto('album_photos')
    .values(fresh.map((photoId, i) => ({ album_id: albumId, photo_id: photoId, position: start + i, added_at: now })))
    .onConflict((oc) => oc.columns(['album_id', 'photo_id']).doNothing())
    .execute();
  return { ok: true, added: fresh.length };
}

export type AlbumRepository = ReturnType<typeof createAlbumRepository>;

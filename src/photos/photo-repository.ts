import { compileLookup } from '../db/compiled-query.js';
import type { Db } from '../db/database.js';
import { sql, type SelectQueryBuilder, type Selectable } from 'kysely';
import type { PhotosTable, PhotoStatus } from '../db/schema.js';
import type { PhotoFactColumns } from './photo-facts-columns.js';
import type { PhotoSearch } from './search/photo-search.js';
import { searchConditions } from './search/photo-search-repository.js';

export type PhotoRecord = Selectable<PhotosTable>;

/** Statuses a photo leaves only through its processing job (PENDING_STATUSES in photo-service.ts). */
const UNFINISHED_STATUSES: readonly PhotoStatus[] = ['queued', 'scanning', 'processing', 'pending_scan'];

/**
 * The gallery's order key: the date taken, else the upload time. Spelt exactly as in migration 0008's
 * index `photos_owner_timeline (owner_id, coalesce(taken_at, created_at), id)`: SQLite and PostgreSQL
 * use an expression index only for the same expression, and then walk it backwards and stop after a
 * page instead of sorting every photo of the owner. Every timeline query orders by this, then id.
 */
export const TIMELINE_ORDER = sql<number>`coalesce(taken_at, created_at)`;

/**
 * The one rule of the Trash for every library read (gallery, albums, share links, search): only
 * photos that are not in the Trash. `table` is the photos table's name or alias in the query.
 */
export function whereNotTrashed<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, table = 'photos'): SelectQueryBuilder<DB, TB, O> {
  return query.where(sql<boolean>`${sql.ref(`${table}.trashed_at`)} is null`);
}

/** What a gallery tile shows: a page of them is read without the other columns. */
const TILE_COLUMNS = ['id', 'title', 'status', 'alt_text', 'width', 'height', 'placeholder', 'taken_at', 'created_at'] as const;
export type PhotoTile = Pick<PhotoRecord, (typeof TILE_COLUMNS)[number]>;

/** The photos before and after one in a list (undefined at either end). */
export interface Neighbours {
  readonly previous: PhotoTile | undefined;
  readonly next: PhotoTile | undefined;
}

export interface ProcessedPhoto {
  readonly status: Extract<PhotoStatus, 'ready' | 'held'>;
  readonly statusDetail: string;
  readonly format: string;
  readonly mime: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly contentHash: string;
  readonly placeholder: string;
  /** What the EXIF said, read before the strip (location only when the owner kept it). */
  readonly facts: PhotoFactColumns;
}

/** All SQL about photos. */
export function createPhotoRepository(db: Db) {
  // One row at most (the primary key): run as a single-row get on SQLite (statement-cache.ts).
  const ownedPhoto = compileLookup(db, (slot) => db.selectFrom('photos').selectAll().where('id', '=', slot(0)).where('owner_id', '=', slot(1)).limit(1));
  // The owner's photos in the gallery (not in the Trash), narrowed to a search when there is one:
  // every list of them (pages, counts, a photo's neighbours) starts here.
  const ownerPhotos = (ownerId: string, search: PhotoSearch | null = null) => {
    const base = whereNotTrashed(db.selectFrom('photos').where('owner_id', '=', ownerId));
    return search ? base.where((eb) => eb.and(searchConditions(db, search))) : base;
  };
  // One page of an owner's timeline (date taken, else upload time); the id breaks ties.
  const ownerPage = (ownerId: string, limit: number, offset: number, search: PhotoSearch | null) =>
    ownerPhotos(ownerId, search).orderBy(TIMELINE_ORDER, 'desc').orderBy('id', 'desc').limit(limit).offset(offset);

  return {
    /** Inserts a photo row; `executor` is the transaction that also queues its job (JobQueue.enqueueWith). */
    async insert(photo: PhotoRecord, executor: Pick<Db, 'insertInto'> = db): Promise<void> {
      await executor.insertInto('photos').values(photo).execute();
    },

    /** A batch of photos not yet final, in id order after `afterId` (the job reconciler walks them). */
    async listUnfinished(afterId: string, limit: number): Promise<Pick<PhotoRecord, 'id' | 'trace_parent'>[]> {
      return db
        .selectFrom('photos')
        .select(['id', 'trace_parent'])
        .where('status', 'in', UNFINISHED_STATUSES)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
    },

    /** The owner's photo uploaded with these exact bytes, if any (unique index photos_owner_upload_hash). */
    async findByUploadHash(ownerId: string, uploadHash: string): Promise<PhotoRecord | undefined> {
      return db.selectFrom('photos').selectAll().where('owner_id', '=', ownerId).where('upload_hash', '=', uploadHash).executeTakeFirst();
    },

    /** A rejected or failed photo gives up its upload hash, so the same bytes may be tried again. */
    async forgetUploadHash(ownerId: string, id: string): Promise<void> {
      await db.updateTable('photos').set({ upload_hash: '' }).where('id', '=', id).where('owner_id', '=', ownerId).execute();
    },

    /** One page of the owner's gallery tiles (or of a search), latest taken first (walks index photos_owner_timeline). */
    async listTilesForOwner(ownerId: string, limit: number, offset: number, search: PhotoSearch | null = null): Promise<PhotoTile[]> {
      return ownerPage(ownerId, limit, offset, search).select(TILE_COLUMNS).execute();
    },

    /** The owner's photos (or those a search finds), latest taken first (index photos_owner_timeline). */
    async listForOwner(ownerId: string, limit: number, offset: number, search: PhotoSearch | null = null): Promise<PhotoRecord[]> {
      return ownerPage(ownerId, limit, offset, search).selectAll().execute();
    },

    /** The owner's photos in the library (not in the Trash), or those of it a search finds. */
    async countForOwner(ownerId: string, search: PhotoSearch | null = null): Promise<number> {
      const row = await ownerPhotos(ownerId, search).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /**
     * The photos just before and after `photo` in the owner's timeline (or a search's), by two keyset
     * queries on (date, id) that each read one row of index photos_owner_timeline: equal dates are
     * ordered by id, as in the pages.
     */
    async findNeighbours(ownerId: string, photo: Pick<PhotoRecord, 'id' | 'taken_at' | 'created_at'>, search: PhotoSearch | null = null): Promise<Neighbours> {
      const key = photo.taken_at ?? photo.created_at;
      const [previous, next] = await Promise.all([
        ownerPhotos(ownerId, search).select(TILE_COLUMNS).where(sql<boolean>`(${TIMELINE_ORDER}, id) > (${key}, ${photo.id})`).orderBy(TIMELINE_ORDER, 'asc').orderBy('id', 'asc').limit(1).executeTakeFirst(),
        ownerPhotos(ownerId, search).select(TILE_COLUMNS).where(sql<boolean>`(${TIMELINE_ORDER}, id) < (${key}, ${photo.id})`).orderBy(TIMELINE_ORDER, 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst(),
      ]);
      return { previous, next };
    },

    /** One photo, only if `ownerId` owns it: ownership is part of the query, not a later check. In the Trash or not (trashed_at says). */
    /** Compiled once: every media and photo-page request makes this look-up. */
    async findOwned(ownerId: string, id: string): Promise<PhotoRecord | undefined> {
      return ownedPhoto.first(id, ownerId);
    },

    async findById(id: string): Promise<PhotoRecord | undefined> {
      return db.selectFrom('photos').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async setStatus(id: string, status: PhotoStatus, detail: string, now: number): Promise<void> {
      await db.updateTable('photos').set({ status, status_detail: detail, updated_at: now }).where('id', '=', id).execute();
    },

    /** The single write that makes a processed photo visible, after its files are durable. */
    async markProcessed(id: string, processed: ProcessedPhoto, now: number): Promise<void> {
      await db
        .updateTable('photos')
        .set({
          status: processed.status,
          status_detail: processed.statusDetail,
          format: processed.format,
          mime: processed.mime,
          width: processed.width,
          height: processed.height,
          bytes: processed.bytes,
          content_hash: processed.contentHash,
          placeholder: processed.placeholder,
          ...processed.facts,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
    },

    async updateText(ownerId: string, id: string, fields: { title?: string; alt_text?: string; caption?: string }, now: number): Promise<boolean> {
      const result = await db.updateTable('photos').set({ ...fields, updated_at: now }).where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deleteOwned(ownerId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('photos').where('id', '=', id).where('owner_id', '=', ownerId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    /** Which of `ids` still have a photo row (for the orphan sweeper). */
    async existingIds(ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.selectFrom('photos').select('id').where('id', 'in', [...ids]).execute();
      return new Set(rows.map((r) => r.id));
    },

    /** Which of these photos still wait for their processing job. */
    async unfinishedIds(ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.selectFrom('photos').select('id').where('id', 'in', [...ids]).where('status', 'in', UNFINISHED_STATUSES).execute();
      return new Set(rows.map((r) => r.id));
    },
  };
}

export type PhotoRepository = ReturnType<typeof createPhotoRepository>;

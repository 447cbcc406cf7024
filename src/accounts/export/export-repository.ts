import type { Selectable, Transaction } from 'kysely';
import type { Db } from '../../db/database.js';
import type { AccountExportsTable, Database } from '../../db/schema.js';

export type ExportRecord = Selectable<AccountExportsTable>;

function normalize(row: ExportRecord): ExportRecord {
  // PostgreSQL's bigint may come back as a string.
  return { ...row, bytes: Number(row.bytes), photo_count: Number(row.photo_count), created_at: Number(row.created_at), ready_at: Number(row.ready_at), expires_at: Number(row.expires_at) };
}

/** All SQL of data exports: their rows, and the reads that fill a zip (in pages, by id). */
export function createExportRepository(db: Db) {
  return {
    /** Inserts a queued export in the caller's transaction; a second running one violates account_exports_one_running. */
    async insertQueued(trx: Transaction<Database>, row: { id: string; user_id: string; created_at: number }): Promise<void> {
      await trx.insertInto('account_exports').values({ ...row, status: 'queued' }).execute();
    },
    async findById(id: string): Promise<ExportRecord | undefined> {
      const row = await db.selectFrom('account_exports').selectAll().where('id', '=', id).executeTakeFirst();
      return row && normalize(row);
    },
    async findOwned(userId: string, id: string): Promise<ExportRecord | undefined> {
      const row = await db.selectFrom('account_exports').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return row && normalize(row);
    },
    async findLatest(userId: string): Promise<ExportRecord | undefined> {
      const row = await db.selectFrom('account_exports').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row && normalize(row);
    },
    async markBuilding(id: string): Promise<boolean> {
      const result = await db.updateTable('account_exports').set({ status: 'building' }).where('id', '=', id).where('status', 'in', ['queued', 'building']).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async markReady(id: string, fields: { bytes: number; photo_count: number; ready_at: number; expires_at: number }): Promise<boolean> {
      const result = await db.updateTable('account_exports').set({ status: 'ready', ...fields }).where('id', '=', id).where('status', '=', 'building').executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async markFailed(id: string): Promise<void> {
      await db.updateTable('account_exports').set({ status: 'failed' }).where('id', '=', id).where('status', 'in', ['queued', 'building']).execute();
    },
    async delete(id: string): Promise<void> {
      await db.deleteFrom('account_exports').where('id', '=', id).execute();
    },
    /** The user's other finished exports (a new one replaces them). */
    async listOtherFinished(userId: string, keepId: string): Promise<string[]> {
      const rows = await db.selectFrom('account_exports').select('id').where('user_id', '=', userId).where('id', '!=', keepId).where('status', 'in', ['ready', 'failed']).execute();
      return rows.map((row) => row.id);
    },
    /** Ready exports past their expiry and failed ones older than `failedBefore`. */
    async listExpired(now: number, failedBefore: number): Promise<string[]> {
      const rows = await db
        .selectFrom('account_exports')
        .select('id')
        .where((eb) => eb.or([eb.and([eb('status', '=', 'ready'), eb('expires_at', '<=', now)]), eb.and([eb('status', '=', 'failed'), eb('created_at', '<', failedBefore)])]))
        .limit(1000)
        .execute();
      return rows.map((row) => row.id);
    },
    async listUnfinished(): Promise<string[]> {
      const rows = await db.selectFrom('account_exports').select('id').where('status', 'in', ['queued', 'building']).limit(1000).execute();
      return rows.map((row) => row.id);
    },
    async existingIds(ids: readonly string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.selectFrom('account_exports').select('id').where('id', 'in', ids).execute();
      return new Set(rows.map((row) => row.id));
    },

    async findUser(userId: string) {
      return db.selectFrom('users').select(['id', 'username', 'email', 'created_at']).where('id', '=', userId).where('deleted_at', '=', 0).executeTakeFirst();
    },
    /** The next page of the user's photos after `afterId`, by id. */
    async photosPage(userId: string, afterId: string, limit: number) {
      return db
        .selectFrom('photos')
        .select([
          'id', 'status', 'title', 'caption', 'alt_text', 'original_name', 'format', 'width', 'height', 'bytes', 'content_hash', 'created_at',
          'taken_at', 'taken_offset', 'camera_make', 'camera_model', 'lens_model', 'exposure_time', 'f_number', 'iso', 'focal_length', 'latitude', 'longitude',
        ])
        .where('owner_id', '=', userId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    async albumsPage(userId: string, afterId: string, limit: number) {
      return db.selectFrom('albums').select(['id', 'name', 'cover_photo_id', 'created_at']).where('owner_id', '=', userId).where('id', '>', afterId).orderBy('id').limit(limit).execute();
    },
    async albumPhotoIds(albumId: string): Promise<string[]> {
      const rows = await db.selectFrom('album_photos').select('photo_id').where('album_id', '=', albumId).orderBy('position').orderBy('photo_id').execute();
      return rows.map((row) => row.photo_id);
    },
    /** Share links, never their token or password hash. */
    async shareLinksPage(userId: string, afterId: string, limit: number) {
      return db
        .selectFrom('share_links')
        .select(['id', 'photo_id', 'album_id', 'created_at', 'expires_at', 'revoked_at', 'views'])
        .select((eb) => eb.case().when('password_hash', '=', '').then(0).else(1).end().as('has_password'))
        .where('owner_id', '=', userId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute();
    },
  };
}

export type ExportRepository = ReturnType<typeof createExportRepository>;
export type ExportPhotoRow = Awaited<ReturnType<ExportRepository['photosPage']>>[number];

import { sql, type Kysely } from 'kysely';

// The Trash and storage quotas.
// - photos.trashed_at: when the owner moved the photo to the Trash; null while it is in the library.
//   Every library read (gallery, albums, share links, search) filters on it (photo-repository.ts's
//   whereNotTrashed); the housekeeping job deletes photos trashed more than TRASH_RETENTION_DAYS ago.
//   Two partial indexes: the owner's Trash newest first, and the purge's walk over the oldest.
// - users.storage_quota_bytes: the most a user's photos may take (trashed ones included until they
//   are purged); null is no limit. New accounts get USER_QUOTA_MB; admins change it per user.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('photos').addColumn('trashed_at', 'bigint').execute();
  await db.schema.createIndex('photos_owner_trashed').on('photos').columns(['owner_id', 'trashed_at', 'id']).where(sql.ref('trashed_at'), 'is not', null).execute();
  await db.schema.createIndex('photos_trashed').on('photos').columns(['trashed_at', 'id']).where(sql.ref('trashed_at'), 'is not', null).execute();
  await db.schema.alterTable('users').addColumn('storage_quota_bytes', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('storage_quota_bytes').execute();
  await db.schema.dropIndex('photos_trashed').execute();
  await db.schema.dropIndex('photos_owner_trashed').execute();
  await db.schema.alterTable('photos').dropColumn('trashed_at').execute();
}

import { sql, type Kysely } from 'kysely';

// The SHA-256 of the bytes as uploaded, so the same photo sent twice by one owner is recognised and
// reported instead of stored twice. Unique per owner among photos that have one ('' for photos from
// before this column): two identical uploads racing each other cannot both be stored.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('photos').addColumn('upload_hash', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema
    .createIndex('photos_owner_upload_hash')
    .unique()
    .on('photos')
    .columns(['owner_id', 'upload_hash'])
    .where(sql.ref('upload_hash'), '<>', '')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('photos_owner_upload_hash').execute();
  await db.schema.alterTable('photos').dropColumn('upload_hash').execute();
}

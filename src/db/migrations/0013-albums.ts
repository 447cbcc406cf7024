import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Albums: an owner's named sets of their own photos, and album share links.
// - album_photos pairs an album with photos of the same owner (the service only ever inserts the
//   owner's photos); deleting a photo or an album removes its pairs (cascade), never a photo.
// - albums.cover_photo_id is the owner's choice of cover; a deleted photo clears it (set null), and
//   with none the album's first photo is its cover.
// - share_links gains album_id: a link now shares exactly one photo or one album (a check), so the
//   same token, expiry, password, revocation and throttling rules serve both. SQLite cannot drop a
//   NOT NULL, so there the table is rebuilt (nothing references share_links).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('albums')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('cover_photo_id', 'text', (c) => c.references('photos.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('albums_owner_created_id').on('albums').columns(['owner_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('albums_cover_photo').on('albums').column('cover_photo_id').execute();

  await db.schema
    .createTable('album_photos')
    .addColumn('album_id', 'text', (c) => c.notNull().references('albums.id').onDelete('cascade'))
    .addColumn('photo_id', 'text', (c) => c.notNull().references('photos.id').onDelete('cascade'))
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('added_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('album_photos_pk', ['album_id', 'photo_id'])
    .execute();
  await db.schema.createIndex('album_photos_album_position').on('album_photos').columns(['album_id', 'position', 'photo_id']).execute();
  await db.schema.createIndex('album_photos_photo').on('album_photos').column('photo_id').execute();

  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE share_links ALTER COLUMN photo_id DROP NOT NULL`.execute(db);
    await sql`ALTER TABLE share_links ADD COLUMN album_id text REFERENCES albums(id) ON DELETE CASCADE`.execute(db);
    await sql`ALTER TABLE share_links ADD CONSTRAINT share_links_one_target CHECK ((photo_id IS NULL) <> (album_id IS NULL))`.execute(db);
  } else {
    await rebuildSqliteShareLinks(db, true);
  }
  await db.schema.createIndex('share_links_album_created').on('share_links').columns(['album_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('share_links_album_created').execute();
  await sql`DELETE FROM share_links WHERE album_id IS NOT NULL`.execute(db);
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`ALTER TABLE share_links DROP CONSTRAINT share_links_one_target`.execute(db);
    await sql`ALTER TABLE share_links DROP COLUMN album_id`.execute(db);
    await sql`ALTER TABLE share_links ALTER COLUMN photo_id SET NOT NULL`.execute(db);
  } else {
    await rebuildSqliteShareLinks(db, false);
  }
  await db.schema.dropTable('album_photos').execute();
  await db.schema.dropTable('albums').execute();
}

/** Rebuilds share_links on SQLite, with (`withAlbums`) or without the album target. */
async function rebuildSqliteShareLinks(db: Kysely<unknown>, withAlbums: boolean): Promise<void> {
  let next = db.schema
    .createTable('share_links_next')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('photo_id', 'text', (c) => (withAlbums ? c : c.notNull()).references('photos.id').onDelete('cascade'));
  if (withAlbums) next = next.addColumn('album_id', 'text', (c) => c.references('albums.id').onDelete('cascade'));
  next = next
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('views', 'integer', (c) => c.notNull().defaultTo(0));
  if (withAlbums) next = next.addCheckConstraint('share_links_one_target', sql`(photo_id IS NULL) <> (album_id IS NULL)`);
  await next.execute();
  const columns = sql.raw('id, photo_id, owner_id, token_hash, password_hash, expires_at, revoked_at, created_at, views');
  await sql`INSERT INTO share_links_next (${columns}) SELECT ${columns} FROM share_links`.execute(db);
  await sql`DROP TABLE share_links`.execute(db);
  await sql`ALTER TABLE share_links_next RENAME TO share_links`.execute(db);
  await db.schema.createIndex('share_links_photo_created').on('share_links').columns(['photo_id', 'created_at']).execute();
  await db.schema.createIndex('share_links_owner').on('share_links').column('owner_id').execute();
}

import { PostgresAdapter, sql, type Kysely } from 'kysely';

// users.photos_version counts changes to a user's photos: any insert, update or delete of one of
// their rows bumps it, in the same transaction, by a trigger (so no code path, process or manual
// fix can forget to). It is read with the session on every request, which lets a process reuse
// what it built from that user's photos (a rendered gallery page, a photo's record for serving its
// thumbnail) for as long as the number is unchanged, instead of reading the photos again.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('photos_version', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`
      CREATE FUNCTION bump_photos_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          UPDATE users SET photos_version = photos_version + 1 WHERE id = OLD.owner_id;
          RETURN OLD;
        END IF;
        UPDATE users SET photos_version = photos_version + 1 WHERE id = NEW.owner_id;
        IF TG_OP = 'UPDATE' AND OLD.owner_id <> NEW.owner_id THEN
          UPDATE users SET photos_version = photos_version + 1 WHERE id = OLD.owner_id;
        END IF;
        RETURN NEW;
      END
      $$`.execute(db);
    await sql`CREATE TRIGGER photos_version AFTER INSERT OR UPDATE OR DELETE ON photos FOR EACH ROW EXECUTE FUNCTION bump_photos_version()`.execute(db);
    return;
  }
  await sql`CREATE TRIGGER photos_version_insert AFTER INSERT ON photos BEGIN
    UPDATE users SET photos_version = photos_version + 1 WHERE id = NEW.owner_id; END`.execute(db);
  await sql`CREATE TRIGGER photos_version_update AFTER UPDATE ON photos BEGIN
    UPDATE users SET photos_version = photos_version + 1 WHERE id IN (OLD.owner_id, NEW.owner_id); END`.execute(db);
  await sql`CREATE TRIGGER photos_version_delete AFTER DELETE ON photos BEGIN
    UPDATE users SET photos_version = photos_version + 1 WHERE id = OLD.owner_id; END`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`DROP TRIGGER photos_version ON photos`.execute(db);
    await sql`DROP FUNCTION bump_photos_version()`.execute(db);
  } else {
    for (const name of ['photos_version_insert', 'photos_version_update', 'photos_version_delete']) {
      await sql`DROP TRIGGER ${sql.id(name)}`.execute(db);
    }
  }
  await db.schema.alterTable('users').dropColumn('photos_version').execute();
}

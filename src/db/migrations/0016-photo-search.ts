import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Full-text search over a photo's title, caption, alt text and original file name (issue 15, item 4).
// Both dialects index the same words: runs of letters and digits, lower-cased, nothing stemmed (file
// names and non-English words must match as typed); photos/search/search-query.ts splits a query the
// same way and quotes every word, so user input is never read as query syntax.
// - SQLite: an FTS5 table holding a copy of the four texts, keyed by photo_id (an indexed token, which
//   lets the triggers delete a photo's row through the index; queries are restricted to the four text
//   columns). Triggers keep it in step with photos in the same transaction as every write. Not an
//   external-content table: photos has no INTEGER PRIMARY KEY, so its rowids may change on VACUUM.
// - PostgreSQL: a GIN index on the tsvector expression PHOTO_SEARCH_VECTOR (photos/search/), not a
//   stored column, so `SELECT *` on photos (every PhotoRecord) does not carry a tsvector along. The
//   repository spells the expression exactly as here, which is what lets the planner use the index.
// Existing photos are indexed here (SQLite: copied in; PostgreSQL: the index is built over them).
export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`CREATE INDEX photos_search ON photos USING gin (to_tsvector('simple'::regconfig, regexp_replace(title || ' ' || caption || ' ' || alt_text || ' ' || original_name, '[^[:alnum:]]+', ' ', 'g')))`.execute(db);
    return;
  }
  await sql`CREATE VIRTUAL TABLE photos_fts USING fts5(photo_id, title, caption, alt_text, original_name, tokenize = 'unicode61 remove_diacritics 0')`.execute(db);
  const insertNew = sql.raw('INSERT INTO photos_fts (photo_id, title, caption, alt_text, original_name) VALUES (NEW.id, NEW.title, NEW.caption, NEW.alt_text, NEW.original_name)');
  const deleteOld = sql.raw(`DELETE FROM photos_fts WHERE photos_fts MATCH 'photo_id:"' || OLD.id || '"'`);
  await sql`CREATE TRIGGER photos_fts_insert AFTER INSERT ON photos BEGIN ${insertNew}; END`.execute(db);
  await sql`CREATE TRIGGER photos_fts_update AFTER UPDATE OF id, title, caption, alt_text, original_name ON photos BEGIN ${deleteOld}; ${insertNew}; END`.execute(db);
  await sql`CREATE TRIGGER photos_fts_delete AFTER DELETE ON photos BEGIN ${deleteOld}; END`.execute(db);
  await sql`INSERT INTO photos_fts (photo_id, title, caption, alt_text, original_name) SELECT id, title, caption, alt_text, original_name FROM photos`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`DROP INDEX photos_search`.execute(db);
    return;
  }
  for (const name of ['photos_fts_insert', 'photos_fts_update', 'photos_fts_delete']) await sql`DROP TRIGGER ${sql.id(name)}`.execute(db);
  await sql`DROP TABLE photos_fts`.execute(db);
}

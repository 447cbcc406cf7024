import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

// Search folds accents (issue 15's search, a known gap of 0016): "cafe" finds "Café", "creme brulee"
// finds "Crème brûlée", in both dialects the same way: Latin diacritics (combining marks U+0300-036F
// and the other combining-mark blocks after canonical decomposition) are dropped; letters that do not
// decompose (ø, æ, ß, ł) stay as they are. photos/search/photo-search.ts folds a query the same way.
// - SQLite: the FTS5 table again, with unicode61's remove_diacritics 2 (1 misses some code points),
//   refilled from photos; the triggers as in 0016.
// - PostgreSQL: the GIN index on the folded expression (normalize and regexp_replace are immutable;
//   no unaccent extension needed, which managed databases may not offer). The repository spells the
//   expression exactly as here, which is what lets the planner use the index.
const PG_FOLDED_VECTOR = sql.raw(
  `to_tsvector('simple'::regconfig, regexp_replace(regexp_replace(normalize(title || ' ' || caption || ' ' || alt_text || ' ' || original_name, NFD), '[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'))`,
);
const PG_0016_VECTOR = sql.raw(`to_tsvector('simple'::regconfig, regexp_replace(title || ' ' || caption || ' ' || alt_text || ' ' || original_name, '[^[:alnum:]]+', ' ', 'g'))`);

export const up = (db: Kysely<unknown>) => rebuildSearchIndex(db, { pgVector: PG_FOLDED_VECTOR, removeDiacritics: 2 });
export const down = (db: Kysely<unknown>) => rebuildSearchIndex(db, { pgVector: PG_0016_VECTOR, removeDiacritics: 0 });

async function rebuildSearchIndex(db: Kysely<unknown>, to: { pgVector: RawBuilder<unknown>; removeDiacritics: 0 | 2 }): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`DROP INDEX photos_search`.execute(db);
    await sql`CREATE INDEX photos_search ON photos USING gin (${to.pgVector})`.execute(db);
    return;
  }
  await recreateFts(db, to.removeDiacritics);
}

// The triggers as 0016 made them, copied rather than imported: a migration is a frozen snapshot.
async function recreateFts(db: Kysely<unknown>, removeDiacritics: 0 | 2): Promise<void> {
  for (const name of ['photos_fts_insert', 'photos_fts_update', 'photos_fts_delete']) await sql`DROP TRIGGER ${sql.id(name)}`.execute(db);
  await sql`DROP TABLE photos_fts`.execute(db);
  const tokenize = sql.lit(`unicode61 remove_diacritics ${removeDiacritics}`);
  await sql`CREATE VIRTUAL TABLE photos_fts USING fts5(photo_id, title, caption, alt_text, original_name, tokenize = ${tokenize})`.execute(db);
  const insertNew = sql.raw('INSERT INTO photos_fts (photo_id, title, caption, alt_text, original_name) VALUES (NEW.id, NEW.title, NEW.caption, NEW.alt_text, NEW.original_name)');
  const deleteOld = sql.raw(`DELETE FROM photos_fts WHERE photos_fts MATCH 'photo_id:"' || OLD.id || '"'`);
  await sql`CREATE TRIGGER photos_fts_insert AFTER INSERT ON photos BEGIN ${insertNew}; END`.execute(db);
  await sql`CREATE TRIGGER photos_fts_update AFTER UPDATE OF id, title, caption, alt_text, original_name ON photos BEGIN ${deleteOld}; ${insertNew}; END`.execute(db);
  await sql`CREATE TRIGGER photos_fts_delete AFTER DELETE ON photos BEGIN ${deleteOld}; END`.execute(db);
  await sql`INSERT INTO photos_fts (photo_id, title, caption, alt_text, original_name) SELECT id, title, caption, alt_text, original_name FROM photos`.execute(db);
}

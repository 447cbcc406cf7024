import { PostgresAdapter, sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../../db/database.js';
import { TIMELINE_ORDER } from '../photo-repository.js';
import { fts5Query, tsQueryText, type PhotoSearch } from './photo-search.js';

/**
 * The tsvector the PostgreSQL index photos_search is built on (migration 0021: accents folded), spelt
 * exactly as there: the planner uses an expression index only for the same expression (the \u escapes
 * are doubled so that PostgreSQL's regular expression reads them, as in the migration).
 */
const PHOTO_SEARCH_VECTOR = sql`to_tsvector('simple'::regconfig, regexp_replace(regexp_replace(normalize(title || ' ' || caption || ' ' || alt_text || ' ' || original_name, NFD), '[\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f]', '', 'g'), '[^[:alnum:]]+', ' ', 'g'))`;

/**
 * The conditions a photo of `photos` must meet to be in the search: every word in its texts (FTS5
 * table photos_fts on SQLite, the GIN index on PostgreSQL) and its timeline date within the range.
 * The words go in as one bound parameter, quoted word by word (photo-search.ts).
 */
export function searchConditions(db: Db, search: PhotoSearch): Expression<SqlBool>[] {
  const conditions: Expression<SqlBool>[] = [];
  if (search.q !== '' && search.words.length === 0) conditions.push(sql<SqlBool>`1 = 0`); // only punctuation: nothing to find
  if (search.words.length > 0) {
    conditions.push(
      db.getExecutor().adapter instanceof PostgresAdapter
        ? sql<SqlBool>`${PHOTO_SEARCH_VECTOR} @@ to_tsquery('simple'::regconfig, ${tsQueryText(search.words)})`
        : sql<SqlBool>`photos.id IN (SELECT photo_id FROM photos_fts WHERE photos_fts MATCH ${fts5Query(search.words)})`,
    );
  }
  if (search.fromMs !== null) conditions.push(sql<SqlBool>`${TIMELINE_ORDER} >= ${search.fromMs}`);
  if (search.toMsExclusive !== null) conditions.push(sql<SqlBool>`${TIMELINE_ORDER} < ${search.toMsExclusive}`);
  return conditions;
}

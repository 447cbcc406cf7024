/**
 * A search of one's own photos: words (title, caption, alt text, original file name) and a range of
 * dates taken. Parsed here from what a user typed; turned into SQL only by photo-search-repository.ts.
 */
export interface PhotoSearch {
  /** The query as typed (trimmed), for the form and the links that carry the search along. */
  readonly q: string;
  /** Lower-cased runs of letters and digits, accents folded: each one must be found (the last as a prefix). */
  readonly words: readonly string[];
  /** YYYY-MM-DD as typed, or '' for no bound. */
  readonly from: string;
  readonly to: string;
  /** The bounds on coalesce(taken_at, created_at): inclusive start, exclusive end (epoch ms of UTC fields). */
  readonly fromMs: number | null;
  readonly toMsExclusive: number | null;
}

export type SearchParse = { readonly ok: true; readonly search: PhotoSearch | null } | { readonly ok: false; readonly errors: readonly string[]; readonly input: SearchInput };

export interface SearchInput {
  readonly q: string;
  readonly from: string;
  readonly to: string;
}

/** Characters (code points) a query may have: a sentence, not a document. */
export const SEARCH_QUERY_MAX = 200;
/** Words a query may have; each is one more term for the index to intersect. */
export const SEARCH_WORDS_MAX = 20;

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Letters, digits and combining marks: the same runs SQLite's unicode61 tokenizer and the
// PostgreSQL index's [[:alnum:]] keep as words; everything else (quotes, *, :, ^, brackets) separates them.
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
// The diacritics both indexes drop (migration 0021): combining marks after canonical decomposition, so
// "cafe" finds "Café"; letters that do not decompose (ø, æ, ß) stay, and so do the marks of other
// scripts' blocks (Devanagari vowel signs are part of their words).
// eslint-disable-next-line no-misleading-character-class -- ranges of lone combining marks, on purpose
const DIACRITICS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/gu;

/** A query folded as the indexes fold the text they hold: compatibility forms, case, diacritics. */
export function foldSearchText(text: string): string {
  return text.normalize('NFKC').toLowerCase().normalize('NFD').replace(DIACRITICS, '').normalize('NFC');
}

/** Parses q/from/to. Nothing given is no search (null); anything malformed is a list of messages for the form. */
export function parsePhotoSearch(input: SearchInput): SearchParse {
  const q = input.q.trim();
  const from = input.from.trim();
  const to = input.to.trim();
  const errors: string[] = [];
  if ([...q].length > SEARCH_QUERY_MAX) errors.push(`The search can have at most ${SEARCH_QUERY_MAX} characters.`);
  const words = foldSearchText(q).match(WORD) ?? [];
  if (words.length > SEARCH_WORDS_MAX) errors.push(`The search can have at most ${SEARCH_WORDS_MAX} words.`);
  const fromMs = parseDay(from);
  const toStart = parseDay(to);
  if (fromMs === undefined) errors.push('“From” must be a date written as YYYY-MM-DD, for example 2019-07-14.');
  if (toStart === undefined) errors.push('“To” must be a date written as YYYY-MM-DD, for example 2019-07-14.');
  if (fromMs != null && toStart != null && fromMs > toStart) errors.push('“From” must not be later than “To”.');
  if (errors.length > 0 || fromMs === undefined || toStart === undefined) return { ok: false, errors, input: { q: input.q, from: input.from, to: input.to } };
  if (q === '' && fromMs === null && toStart === null) return { ok: true, search: null };
  return { ok: true, search: { q, words: [...new Set(words)], from, to, fromMs, toMsExclusive: toStart === null ? null : toStart + DAY_MS } };
}

/** A calendar day as epoch ms of its UTC midnight; null when empty, undefined when not a real date. */
function parseDay(text: string): number | null | undefined {
  if (text === '') return null;
  const match = DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.getTime();
}

/** The search as URL query parameters (only those set), for links that keep it. */
export function searchParams(search: PhotoSearch | null): [string, string][] {
  if (!search) return [];
  const params: [string, string][] = [];
  if (search.q !== '') params.push(['q', search.q]);
  if (search.from !== '') params.push(['from', search.from]);
  if (search.to !== '') params.push(['to', search.to]);
  return params;
}

// User words are never query syntax: each is a quoted string (quotes inside doubled), so `NEAR(`,
// `AND`, `col:`, `*` or `^` are only ever text to find. Words hold only letters, digits and marks,
// but the quoting does not rely on that.

/**
 * The FTS5 query: every word, as a quoted string, in the four text columns (never photo_id); the
 * last one as a prefix, so results come while the last word is still being typed.
 */
export function fts5Query(words: readonly string[]): string {
  const terms = words.map((word, i) => `"${word.replaceAll('"', '""')}"${i === words.length - 1 ? '*' : ''}`);
  return `{title caption alt_text original_name} : (${terms.join(' AND ')})`;
}

/** The PostgreSQL tsquery text for to_tsquery('simple', …): quoted lexemes, ANDed, the last as a prefix. */
export function tsQueryText(words: readonly string[]): string {
  return words.map((word, i) => `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}'${i === words.length - 1 ? ':*' : ''}`).join(' & ');
}

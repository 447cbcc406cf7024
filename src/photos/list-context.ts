import { AppError } from '../errors/catalog.js';
import { readQueryParam } from '../web/forms.js';
import { parsePhotoSearch, searchParams, type PhotoSearch } from './search/photo-search.js';

/**
 * The list a photo page was opened from, carried in its URL so previous/next follow that list: the
 * gallery (`/photos/<id>/`), a search of it (`?q=…&from=…&to=…`) or an album (`?in=album:<id>`).
 * It only ever narrows what the owner already sees: an album is looked up with the owner in the query.
 */
export type ListContext = { readonly kind: 'gallery'; readonly search: PhotoSearch | null } | { readonly kind: 'album'; readonly albumId: string };

const ALBUM_CONTEXT = /^album:([0-9a-f]{32})$/;

/** The gallery's search form fields (q, from, to) as typed; absent ones are ''. */
export function readSearchInput(query: unknown) {
  return { q: readQueryParam(query, 'q') ?? '', from: readQueryParam(query, 'from') ?? '', to: readQueryParam(query, 'to') ?? '' };
}

/** The list context of a photo page's URL; anything malformed (or an album with a search) is a 400. */
export function parseListContext(query: unknown): ListContext {
  const within = readQueryParam(query, 'in');
  const input = readSearchInput(query);
  if (within !== null) {
    const album = ALBUM_CONTEXT.exec(within);
    if (!album?.[1] || input.q !== '' || input.from !== '' || input.to !== '') throw new AppError('bad_request', { detail: 'The list this photo was opened from is not valid.' });
    return { kind: 'album', albumId: album[1] };
  }
  const parsed = parsePhotoSearch(input);
  if (!parsed.ok) throw new AppError('bad_request', { detail: parsed.errors.join(' ') });
  return { kind: 'gallery', search: parsed.search };
}

/** The query string ('' or `?…`) that carries a list context to a photo page. */
export function listContextQuery(context: ListContext): string {
  const params = context.kind === 'album' ? [['in', `album:${context.albumId}`]] : searchParams(context.search);
  return params.length === 0 ? '' : `?${new URLSearchParams(params).toString()}`;
}

/** The list's own page: the gallery, the search results or the album. */
export function listUrl(context: ListContext): string {
  if (context.kind === 'album') return `/albums/${context.albumId}/`;
  return `/photos/${listContextQuery(context)}`;
}

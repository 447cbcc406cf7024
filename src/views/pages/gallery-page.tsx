import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { SEARCH_QUERY_MAX } from '../../photos/search/photo-search.js';
import { PhotoPicture } from '../components/photo-picture.js';
import { UploadDropZone } from '../components/upload-drop-zone.js';
import { Layout } from '../layout.js';
import { formatMonth, photoAlt, photoName, timelineDate } from '../photo-dates.js';
import type { ViewContext } from '../view-context.js';
import { STATUS_TEXT } from './status-text.js';

export interface GalleryPhoto {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly alt_text: string;
  readonly width: number;
  readonly height: number;
  readonly placeholder: string;
  readonly taken_at: number | null;
  readonly created_at: number;
}

export interface GalleryPageProps {
  readonly context: ViewContext;
  readonly photos: readonly GalleryPhoto[];
  readonly page: number;
  readonly hasNext: boolean;
  /** The upload size limit, for the drop zone's script to refuse a too-large file before sending it. */
  readonly maxBytes: number;
  /** The search form's state: what was typed, why it was refused, how many photos it found. */
  readonly search?: GallerySearchView;
}

export interface GallerySearchView {
  readonly q: string;
  readonly from: string;
  readonly to: string;
  readonly errors: readonly string[];
  /** Photos the search found (all pages); undefined when no search ran (none asked, or refused). */
  readonly found?: number;
  /** The search as a query string (`q=…&from=…`), kept by the pager and the tiles' links; '' for none. */
  readonly query: string;
}

const NO_SEARCH: GallerySearchView = { q: '', from: '', to: '', errors: [], query: '' };

export function GalleryPage({ context, photos, page, hasNext, maxBytes, search = NO_SEARCH }: GalleryPageProps) {
  const searching = search.found !== undefined;
  const keep = search.query === '' ? '' : `?${search.query}`;
  const pageHref = (n: number) => `/photos/?${search.query === '' ? '' : `${search.query}&`}page=${n}`;
  return (
    <Layout title="Your photos" context={context} scripts={['/static/gallery.js', '/static/upload.js']}>
      <div class="page-head">
        <h1>Your photos</h1>
        <a class="button" href="/photos/upload/">
          Upload photos
        </a>
      </div>
      <UploadDropZone csrfToken={context.csrfToken} maxBytes={maxBytes} />
      <SearchForm search={search} />
      {searching ? (
        <p class="search-count" id="search-count" role="status">
          {search.found === 1 ? '1 photo found' : `${search.found ?? 0} photos found`}
        </p>
      ) : null}
      {photos.length === 0 ? (
        <p class="empty">{searching ? 'No photos match your search. Try other words or dates.' : search.errors.length > 0 ? 'Correct the search to see results.' : 'You have no photos yet.'}</p>
      ) : (
        <>
          {/* The checkboxes belong to this form through their form attribute: no JavaScript needed. */}
          <form method="post" action="/albums/selection/" id="gallery-selection" class="selection-bar">
            <CsrfField token={context.csrfToken} />
            <button type="submit">Add selected to album…</button>{' '}
            <button type="submit" formaction="/photos/trash/">
              Move to Trash
            </button>
          </form>
          {groupByMonth(photos).map((group) => (
            <section class="month" aria-labelledby={`month-${group.key}`}>
              <h2 id={`month-${group.key}`}>{group.heading}</h2>
              <ul class="gallery">
                {group.photos.map((p) => (
                  <li>
                    <label class="tile-select">
                      <input type="checkbox" name="photo" value={p.id} form="gallery-selection" aria-label={`Select ${photoName(p)}`} /> Select
                    </label>
                    <a href={`/photos/${p.id}/${keep}`} class="tile">
                      {p.status === 'ready' || p.status === 'held' ? (
                        <PhotoPicture id={p.id} size="thumb" alt={photoAlt(p)} width={p.width} height={p.height} placeholder={p.placeholder} mediaBase={`/photos/${p.id}/media/`} />
                      ) : (
                        <span class="tile-pending">{STATUS_TEXT[p.status] ?? p.status}</span>
                      )}
                      <span class="tile-title">{photoName(p)}</span>
                      {p.status !== 'ready' ? <span class={`status status-${p.status}`}>{STATUS_TEXT[p.status] ?? p.status}</span> : null}
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </>
      )}
      <nav class="pager" aria-label="Pages">
        {page > 1 ? <a href={pageHref(page - 1)}>Newer</a> : null}
        {hasNext ? <a href={pageHref(page + 1)}>Older</a> : null}
      </nav>
    </Layout>
  );
}

/** Words and a range of dates taken (GET, so a search is a link; works without JavaScript). */
function SearchForm({ search }: { readonly search: GallerySearchView }) {
  const invalid = search.errors.length > 0;
  return (
    <form method="get" action="/photos/" class="search-form" role="search" aria-label="Search your photos">
      <FieldErrors id="search-errors" errors={search.errors} />
      <div class="search-fields">
        <span class="search-field search-words">
          <label for="id_q">Words</label>
          <input id="id_q" name="q" type="search" value={search.q} maxlength={SEARCH_QUERY_MAX} placeholder="Title, caption, file name…" aria-invalid={invalid ? 'true' : undefined} aria-describedby={invalid ? 'search-errors' : undefined} />
        </span>
        <span class="search-field">
          <label for="id_from">Taken from</label>
          <input id="id_from" name="from" type="date" value={search.from} />
        </span>
        <span class="search-field">
          <label for="id_to">to</label>
          <input id="id_to" name="to" type="date" value={search.to} />
        </span>
        <button type="submit">Search</button>
        {search.query !== '' || invalid ? <a href="/photos/">Clear</a> : null}
      </div>
    </form>
  );
}

interface MonthGroup {
  /** `2019-07`, for the heading's id. */
  readonly key: string;
  readonly heading: string;
  readonly photos: GalleryPhoto[];
}

/** Consecutive photos of the same month (the timeline is ordered by date) under one heading. */
function groupByMonth(photos: readonly GalleryPhoto[]): MonthGroup[] {
  const groups: MonthGroup[] = [];
  for (const photo of photos) {
    const date = new Date(timelineDate(photo));
    const key = `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
    const last = groups.at(-1);
    if (last?.key === key) last.photos.push(photo);
    else groups.push({ key, heading: formatMonth(date.getTime()), photos: [photo] });
  }
  return groups;
}

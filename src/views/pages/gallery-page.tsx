import { CsrfField } from '../components/csrf-field.js';
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
}

export function GalleryPage({ context, photos, page, hasNext, maxBytes }: GalleryPageProps) {
  return (
    <Layout title="Your photos" context={context} scripts={['/static/gallery.js', '/static/upload.js']}>
      <div class="page-head">
        <h1>Your photos</h1>
        <a class="button" href="/photos/upload/">
          Upload photos
        </a>
      </div>
      <UploadDropZone csrfToken={context.csrfToken} maxBytes={maxBytes} />
      {photos.length === 0 ? (
        <p class="empty">You have no photos yet.</p>
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
                    <a href={`/photos/${p.id}/`} class="tile">
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
        {page > 1 ? <a href={`/photos/?page=${page - 1}`}>Newer</a> : null}
        {hasNext ? <a href={`/photos/?page=${page + 1}`}>Older</a> : null}
      </nav>
    </Layout>
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

import { CsrfField } from '../components/csrf-field.js';
import { PhotoPicture } from '../components/photo-picture.js';
import { Layout } from '../layout.js';
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
}

export interface GalleryPageProps {
  readonly context: ViewContext;
  readonly photos: readonly GalleryPhoto[];
  readonly page: number;
  readonly hasNext: boolean;
}

export function GalleryPage({ context, photos, page, hasNext }: GalleryPageProps) {
  return (
    <Layout title="Your photos" context={context} scripts={['/static/gallery.js']}>
      <div class="page-head">
        <h1>Your photos</h1>
        <a class="button" href="/photos/upload/">
          Upload a photo
        </a>
      </div>
      {photos.length === 0 ? (
        <p class="empty">You have no photos yet.</p>
      ) : (
        // The checkboxes belong to this form through their form attribute: no JavaScript needed.
        <form method="post" action="/albums/selection/" id="gallery-selection" class="selection-bar">
          <CsrfField token={context.csrfToken} />
          <button type="submit">Add selected to album…</button>
        </form>
      )}
      {photos.length === 0 ? null : (
        <ul class="gallery">
          {photos.map((p) => (
            <li>
              <label class="tile-select">
                <input type="checkbox" name="photo" value={p.id} form="gallery-selection" aria-label={`Select ${p.title || 'Untitled'}`} /> Select
              </label>
              <a href={`/photos/${p.id}/`} class="tile">
                {p.status === 'ready' || p.status === 'held' ? (
                  <PhotoPicture id={p.id} size="thumb" alt={p.alt_text || p.title || 'Photo'} width={p.width} height={p.height} placeholder={p.placeholder} mediaBase={`/photos/${p.id}/media/`} />
                ) : (
                  <span class="tile-pending">{STATUS_TEXT[p.status] ?? p.status}</span>
                )}
                <span class="tile-title">{p.title || 'Untitled'}</span>
                {p.status !== 'ready' ? <span class={`status status-${p.status}`}>{STATUS_TEXT[p.status] ?? p.status}</span> : null}
              </a>
            </li>
          ))}
        </ul>
      )}
      <nav class="pager" aria-label="Pages">
        {page > 1 ? <a href={`/photos/?page=${page - 1}`}>Newer</a> : null}
        {hasNext ? <a href={`/photos/?page=${page + 1}`}>Older</a> : null}
      </nav>
    </Layout>
  );
}

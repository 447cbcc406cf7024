import { CsrfField } from '../components/csrf-field.js';
import { Pager } from '../components/pager.js';
import { PhotoPicture } from '../components/photo-picture.js';
import { formatTime } from '../format-time.js';
import { Layout } from '../layout.js';
import { photoAlt, photoName } from '../photo-dates.js';
import type { ViewContext } from '../view-context.js';
import type { GalleryPhoto } from './gallery-page.js';

/** A gallery tile with when it was trashed and when it goes for good. */
export interface TrashTileView extends GalleryPhoto {
  readonly trashedAt: number;
  readonly purgeAt: number;
}

export interface TrashPageProps {
  readonly context: ViewContext;
  readonly photos: readonly TrashTileView[];
  readonly page: number;
  readonly hasNext: boolean;
  readonly retentionDays: number;
}

/** The owner's Trash: each photo with when it goes for good, Restore and Delete forever. */
export function TrashPage({ context, photos, page, hasNext, retentionDays }: TrashPageProps) {
  return (
    <Layout title="Trash" context={context} scripts={['/static/gallery.js']}>
      <div class="page-head">
        <h1>Trash</h1>
        {photos.length > 0 ? (
          <a class="button danger-button" href="/photos/trash/empty/">
            Empty trash…
          </a>
        ) : null}
      </div>
      <p class="help">
        Photos in the Trash are gone from your gallery, albums and share links. Each is deleted for good {retentionDays} {retentionDays === 1 ? 'day' : 'days'} after it was moved here.
      </p>
      {photos.length === 0 ? (
        <p class="empty">The Trash is empty.</p>
      ) : (
        <ul class="gallery trash">
          {photos.map((p) => (
            <li data-photo={p.id}>
              <div class="tile">
                {p.status === 'ready' || p.status === 'held' ? (
                  <PhotoPicture id={p.id} size="thumb" alt={photoAlt(p)} width={p.width} height={p.height} placeholder={p.placeholder} mediaBase={`/photos/${p.id}/media/`} />
                ) : null}
                <span class="tile-title">{photoName(p)}</span>
                <small class="help">
                  Trashed {formatTime(p.trashedAt)}; deleted for good after <time dateTime={new Date(p.purgeAt).toISOString()}>{formatTime(p.purgeAt)}</time>
                </small>
              </div>
              <form method="post" action={`/photos/${p.id}/restore/`} class="inline-form">
                <CsrfField token={context.csrfToken} />
                <button type="submit">Restore</button>
              </form>{' '}
              <a class="danger-link" href={`/photos/${p.id}/delete/`}>
                Delete forever…
              </a>
            </li>
          ))}
        </ul>
      )}
      <Pager base="/photos/trash/" page={page} hasNext={hasNext} previous="Newer" next="Older" />
    </Layout>
  );
}

/** Asks before the whole Trash is deleted for good. */
export function ConfirmEmptyTrashPage({ context, count }: { readonly context: ViewContext; readonly count: number }) {
  return (
    <Layout title="Empty the Trash?" context={context}>
      <section class="card narrow danger-zone">
        <h1>Empty the Trash?</h1>
        <p>
          The {count} {count === 1 ? 'photo' : 'photos'} in the Trash, their files and their share links are deleted for good. This cannot be undone.
        </p>
        <form method="post" action="/photos/trash/empty/" class="actions">
          <CsrfField token={context.csrfToken} />
          <button type="submit" class="danger">
            Delete them for good
          </button>
          <a href="/photos/trash/">Cancel</a>
        </form>
      </section>
    </Layout>
  );
}

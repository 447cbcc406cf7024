import type { ComponentChildren } from 'preact';
import { CsrfField } from '../components/csrf-field.js';
import { PhotoFactsList, type PhotoFactsView } from '../components/photo-facts-list.js';
import { PhotoPicture } from '../components/photo-picture.js';
import { Layout } from '../layout.js';
import { photoAlt, photoName } from '../photo-dates.js';
import type { ViewContext } from '../view-context.js';
import { STATUS_PROGRESS, STATUS_TEXT } from './status-text.js';

export interface PhotoView extends PhotoFactsView {
  readonly id: string;
  readonly title: string;
  readonly status: string;
  readonly statusDetail: string;
  readonly originalName: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly format: string;
  readonly placeholder: string;
  readonly altText: string;
  readonly caption: string;
}

export interface PhotoPageProps {
  readonly context: ViewContext;
  readonly photo: PhotoView;
  readonly pending: boolean;
  /** Extra sections (share links) drawn under the photo. */
  readonly children?: ComponentChildren;
}

export function PhotoPage({ context, photo, pending, children }: PhotoPageProps) {
  const viewable = photo.status === 'ready' || photo.status === 'held';
  const dated = { title: photo.title, taken_at: photo.takenAt, created_at: photo.createdAt };
  const name = photoName(dated);
  return (
    <Layout title={name} context={context} scripts={['/static/gallery.js', '/static/copy.js']} refreshSeconds={pending ? 2 : undefined}>
      <p>
        <a href="/photos/">← All photos</a>
      </p>
      <h1>{name}</h1>
      <p class={`status status-${photo.status}`} id="photo-status" data-status={photo.status}>
        Status: {STATUS_TEXT[photo.status] ?? photo.status}
      </p>
      {pending ? <progress max={100} value={STATUS_PROGRESS[photo.status] ?? 0} aria-labelledby="photo-status" /> : null}
      {photo.statusDetail ? <p class="notice">{photo.statusDetail}</p> : null}
      {viewable ? (
        <figure class="photo">
          <PhotoPicture id={photo.id} size="display" alt={photoAlt({ ...dated, alt_text: photo.altText })} width={photo.width} height={photo.height} placeholder={photo.placeholder} mediaBase={`/photos/${photo.id}/media/`} />
          {photo.caption ? <figcaption>{photo.caption}</figcaption> : null}
        </figure>
      ) : null}
      {viewable ? (
        <dl class="facts">
          <PhotoFactsList facts={photo} />
          <dt>Size</dt>
          <dd>
            {photo.width} × {photo.height} pixels, {Math.round(photo.bytes / 1024)} KB ({photo.format.toUpperCase()})
          </dd>
          {photo.originalName ? (
            <>
              <dt>Uploaded file</dt>
              <dd>{photo.originalName}</dd>
            </>
          ) : null}
          <dt>Original</dt>
          <dd>
            <a href={`/photos/${photo.id}/media/original`}>Download</a>
          </dd>
        </dl>
      ) : null}
      <section class="card">
        <h2>Details</h2>
        {pending ? (
          // This page reloads itself every 2 s until the photo is ready (no JavaScript needed), which
          // would wipe a half-typed title: the form is on its own page meanwhile.
          <p>
            <a href={`/photos/${photo.id}/edit/`}>Add a title, alt text and caption</a> while it is processed.
          </p>
        ) : (
          <PhotoDetailsForm photo={photo} csrfToken={context.csrfToken} />
        )}
      </section>
      {children}
      <section class="card danger-zone">
        <h2>Remove</h2>
        {/* Undoable, so no confirmation: the notice that follows links to the Trash. */}
        <form method="post" action={`/photos/${photo.id}/trash/`} class="inline-form">
          <CsrfField token={context.csrfToken} />
          <button type="submit">Move to Trash</button>
        </form>
        <p>
          <a class="danger-link" href={`/photos/${photo.id}/delete/`}>
            Delete this photo…
          </a>
        </p>
      </section>
    </Layout>
  );
}

/** The title, alt text and caption form (on the photo page, and on its own page while processing). */
export function PhotoDetailsForm({ photo, csrfToken }: { readonly photo: PhotoView; readonly csrfToken: string }) {
  return (
    <form method="post" action={`/photos/${photo.id}/edit/`}>
      <CsrfField token={csrfToken} />
      <label for="id_title">Title</label>
      <input id="id_title" name="title" type="text" maxlength={200} value={photo.title} />
      <label for="id_alt">Alt text</label>
      <input id="id_alt" name="alt_text" type="text" maxlength={500} value={photo.altText} />
      <label for="id_caption">Caption</label>
      <input id="id_caption" name="caption" type="text" maxlength={1000} value={photo.caption} />
      <button type="submit">Save</button>
    </form>
  );
}

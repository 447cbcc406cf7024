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

/** A link to a neighbouring photo of the list the page was opened from. */
export interface NeighbourLink {
  readonly href: string;
  readonly name: string;
}

/** The list around the photo: where "back" leads, and the photos before and after it. */
export interface ViewerNav {
  readonly backHref: string;
  readonly backLabel: string;
  readonly previous: NeighbourLink | undefined;
  readonly next: NeighbourLink | undefined;
}

export interface PhotoPageProps {
  readonly context: ViewContext;
  readonly photo: PhotoView;
  readonly pending: boolean;
  /** Back, previous and next; without it, back to the gallery and no neighbours (a form's answer). */
  readonly nav?: ViewerNav;
  /** Extra sections (share links) drawn under the photo. */
  readonly children?: ComponentChildren;
}

const GALLERY_NAV: ViewerNav = { backHref: '/photos/', backLabel: 'All photos', previous: undefined, next: undefined };

export function PhotoPage({ context, photo, pending, nav = GALLERY_NAV, children }: PhotoPageProps) {
  const viewable = photo.status === 'ready' || photo.status === 'held';
  const dated = { title: photo.title, taken_at: photo.takenAt, created_at: photo.createdAt };
  const name = photoName(dated);
  return (
    <Layout title={name} context={context} scripts={['/static/gallery.js', '/static/copy.js', '/static/viewer.js']} refreshSeconds={pending ? 2 : undefined}>
      <ViewerNavBar nav={nav} />
      <h1>{name}</h1>
      <p class={`status status-${photo.status}`} id="photo-status" data-status={photo.status}>
        Status: {STATUS_TEXT[photo.status] ?? photo.status}
      </p>
      {pending ? <progress max={100} value={STATUS_PROGRESS[photo.status] ?? 0} aria-labelledby="photo-status" /> : null}
      {photo.statusDetail ? <p class="notice">{photo.statusDetail}</p> : null}
      {viewable ? (
        <figure class="photo" id="viewer">
          <div class="viewer-stage" id="viewer-stage">
            <PhotoPicture id={photo.id} size="display" alt={photoAlt({ ...dated, alt_text: photo.altText })} width={photo.width} height={photo.height} placeholder={photo.placeholder} mediaBase={`/photos/${photo.id}/media/`} />
          </div>
          <ViewerControls />
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

/** Back to the list, and the previous and next photo in it: plain links, so they work without JavaScript. */
function ViewerNavBar({ nav }: { readonly nav: ViewerNav }) {
  return (
    <nav class="viewer-nav" aria-label="Photos in this list">
      <a href={nav.backHref} id="viewer-back">
        ← {nav.backLabel}
      </a>
      <span class="viewer-steps">
        {nav.previous ? (
          <a href={nav.previous.href} rel="prev" id="viewer-prev" aria-label={`Previous photo: ${nav.previous.name}`}>
            ‹ Previous
          </a>
        ) : null}
        {nav.next ? (
          <a href={nav.next.href} rel="next" id="viewer-next" aria-label={`Next photo: ${nav.next.name}`}>
            Next ›
          </a>
        ) : null}
      </span>
    </nav>
  );
}

/** Full screen and zoom: real buttons, hidden until viewer.js runs (they need it). */
function ViewerControls() {
  return (
    <div class="viewer-controls" id="viewer-controls" role="toolbar" aria-label="Viewer" hidden>
      <button type="button" id="viewer-fullscreen" aria-label="Full screen" aria-pressed="false">
        Full screen
      </button>
      <button type="button" id="viewer-zoom-out" aria-label="Zoom out">
        −
      </button>
      <output id="viewer-zoom-level" aria-live="polite">
        100%
      </output>
      <button type="button" id="viewer-zoom-in" aria-label="Zoom in">
        +
      </button>
      <button type="button" id="viewer-zoom-reset" aria-label="Reset zoom">
        Reset
      </button>
    </div>
  );
}

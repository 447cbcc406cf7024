import { CsrfField } from '../components/csrf-field.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';
import { PhotoDetailsForm, type PhotoView } from './photo-page.js';

interface PhotoFormPageProps {
  readonly context: ViewContext;
  readonly photo: PhotoView;
}

/** The details form on a page of its own (the processing page reloads itself; this one does not). */
export function PhotoDetailsPage({ context, photo }: PhotoFormPageProps) {
  return (
    <Layout title="Edit details" context={context}>
      <p>
        <a href={`/photos/${photo.id}/`}>← Back to the photo</a>
      </p>
      <section class="card narrow">
        <h1>Edit details</h1>
        <PhotoDetailsForm photo={photo} csrfToken={context.csrfToken} />
      </section>
    </Layout>
  );
}

/** Asks before a photo is deleted for good (the form posts to the delete route; Cancel goes back). */
export function ConfirmDeletePage({ context, photo, cancelHref = `/photos/${photo.id}/` }: PhotoFormPageProps & { readonly cancelHref?: string }) {
  const name = photo.title || photo.originalName || 'this photo';
  return (
    <Layout title="Delete photo?" context={context}>
      <section class="card narrow danger-zone">
        <h1>Delete “{name}”?</h1>
        <p>The photo, its files and its share links are deleted for good. This cannot be undone.</p>
        <form method="post" action={`/photos/${photo.id}/delete/`} class="actions">
          <CsrfField token={context.csrfToken} />
          <button type="submit" class="danger">
            Delete for good
          </button>
          <a href={cancelHref}>Cancel</a>
        </form>
      </section>
    </Layout>
  );
}

import { photoCountText } from '../components/album-tile.js';
import { CsrfField } from '../components/csrf-field.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface AlbumDeletePageProps {
  readonly context: ViewContext;
  readonly album: { readonly id: string; readonly name: string; readonly photoCount: number };
}

/** The confirmation step before an album is deleted. */
export function AlbumDeletePage({ context, album }: AlbumDeletePageProps) {
  return (
    <Layout title="Delete album" context={context}>
      <section class="card danger-zone narrow">
        <h1>Delete the album “{album.name}”?</h1>
        <p>
          Its {photoCountText(album.photoCount)} stay in your library; only the album goes, with its share links.
        </p>
        <form method="post" action={`/albums/${album.id}/delete/`}>
          <CsrfField token={context.csrfToken} />
          <button type="submit" class="danger">
            Delete album
          </button>
        </form>
        <p>
          <a href={`/albums/${album.id}/`}>Cancel</a>
        </p>
      </section>
    </Layout>
  );
}

import { AlbumTile, type AlbumTileView } from '../components/album-tile.js';
import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Pager } from '../components/pager.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface AlbumsPageProps {
  readonly context: ViewContext;
  readonly albums: readonly AlbumTileView[];
  readonly page: number;
  readonly hasNext: boolean;
  /** The create form's answer when its name was refused. */
  readonly name?: string;
  readonly errors?: readonly string[];
  readonly maxName: number;
}

/** The owner's albums and the form that creates one. */
export function AlbumsPage({ context, albums, page, hasNext, name = '', errors = [], maxName }: AlbumsPageProps) {
  const invalid = errors.length > 0;
  return (
    <Layout title="Albums" context={context} scripts={['/static/gallery.js']}>
      <h1>Albums</h1>
      <section class="card">
        <h2>New album</h2>
        <form method="post" action="/albums/">
          <CsrfField token={context.csrfToken} />
          <label for="id_album_name">Name</label>
          <input id="id_album_name" name="name" type="text" required maxlength={maxName} value={name} aria-invalid={invalid ? 'true' : undefined} aria-describedby={invalid ? 'album-name-errors' : undefined} />
          <FieldErrors id="album-name-errors" errors={errors} />
          <button type="submit">Create album</button>
        </form>
        <p class="help">
          To fill an album, select photos in your <a href="/photos/">gallery</a>, or add a photo from its page.
        </p>
      </section>
      {albums.length === 0 ? (
        <p class="empty">You have no albums yet.</p>
      ) : (
        <ul class="gallery albums">
          {albums.map((album) => (
            <li>
              <AlbumTile album={album} />
            </li>
          ))}
        </ul>
      )}
      <Pager base="/albums/" page={page} hasNext={hasNext} previous="Newer" next="Older" />
    </Layout>
  );
}

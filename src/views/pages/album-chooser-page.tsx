import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface AlbumChooserPageProps {
  readonly context: ViewContext;
  /** The selected photos (ids already checked for shape and number). */
  readonly photoIds: readonly string[];
  readonly albums: readonly { readonly id: string; readonly name: string }[];
  readonly maxName: number;
  /** The new album's name, when it was refused. */
  readonly name?: string;
  readonly errors?: readonly string[];
}

/**
 * Where the gallery's selection goes: one form that either creates an album with the photos (its
 * own action, the default button) or adds them to an existing album (each button's formaction is
 * that album's `/albums/<id>/photos/`). Works without JavaScript.
 */
export function AlbumChooserPage({ context, photoIds, albums, maxName, name = '', errors = [] }: AlbumChooserPageProps) {
  const count = photoIds.length === 1 ? '1 photo' : `${photoIds.length} photos`;
  return (
    <Layout title="Add to album" context={context}>
      <h1>Add {count} to an album</h1>
      <form method="post" action="/albums/" class="card" id="album-chooser">
        <CsrfField token={context.csrfToken} />
        {photoIds.map((id) => (
          <input type="hidden" name="photo" value={id} />
        ))}
        <h2>A new album</h2>
        <label for="id_album_name">Name</label>
        <input
          id="id_album_name"
          name="name"
          type="text"
          required
          maxlength={maxName}
          value={name}
          aria-invalid={errors.length > 0 ? 'true' : undefined}
          aria-describedby={errors.length > 0 ? 'album-name-errors' : undefined}
        />
        <FieldErrors id="album-name-errors" errors={errors} />
        <button type="submit">Create album with these photos</button>
        {albums.length > 0 ? (
          <>
            <h2>Or an album you have</h2>
            <ul class="album-choices">
              {albums.map((album) => (
                <li>
                  <button type="submit" formaction={`/albums/${album.id}/photos/`} formnovalidate>
                    Add to {album.name}
                  </button>
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </form>
      <p>
        <a href="/photos/">Cancel</a>
      </p>
    </Layout>
  );
}

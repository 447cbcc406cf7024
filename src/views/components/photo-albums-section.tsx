import { CsrfField } from './csrf-field.js';

export interface PhotoAlbumsSectionProps {
  readonly csrfToken: string;
  readonly photoId: string;
  /** The owner's albums that hold this photo. */
  readonly memberOf: readonly { readonly id: string; readonly name: string }[];
  /** The owner's albums, for the select. */
  readonly albums: readonly { readonly id: string; readonly name: string }[];
}

/** On the owner's photo page: the albums holding the photo, and a select to add it to another. */
export function PhotoAlbumsSection({ csrfToken, photoId, memberOf, albums }: PhotoAlbumsSectionProps) {
  const held = new Set(memberOf.map((a) => a.id));
  const choices = albums.filter((a) => !held.has(a.id));
  return (
    <section class="card" id="photo-albums" aria-labelledby="photo-albums-heading">
      <h2 id="photo-albums-heading">Albums</h2>
      {memberOf.length > 0 ? (
        <p>
          In{' '}
          {memberOf.map((album, i) => (
            <>
              {i > 0 ? ', ' : null}
              <a href={`/albums/${album.id}/`}>{album.name}</a>
            </>
          ))}
          .
        </p>
      ) : (
        <p class="muted">This photo is in no album.</p>
      )}
      {choices.length > 0 ? (
        <form method="post" action="/albums/add/">
          <CsrfField token={csrfToken} />
          <input type="hidden" name="photo" value={photoId} />
          <label for="id_add_to_album">Add to album</label>
          <select id="id_add_to_album" name="album" required>
            {choices.map((album) => (
              <option value={album.id}>{album.name}</option>
            ))}
          </select>
          <button type="submit">Add to album</button>
        </form>
      ) : (
        <p class="help">
          <a href="/albums/">{albums.length === 0 ? 'Create an album' : 'Create another album'}</a> to add this photo to it.
        </p>
      )}
    </section>
  );
}

import type { ComponentChildren } from 'preact';
import { photoCountText } from '../components/album-tile.js';
import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { PhotoPicture } from '../components/photo-picture.js';
import { Pager } from '../components/pager.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface AlbumPhotoView {
  readonly id: string;
  readonly title: string;
  readonly altText: string;
  readonly width: number;
  readonly height: number;
  readonly placeholder: string;
}

export interface AlbumView {
  readonly id: string;
  readonly name: string;
  readonly photoCount: number;
  /** The photo shown as the cover (chosen, or the first); null without photos. */
  readonly coverId: string | null;
  /** Whether the owner chose the cover (otherwise it is the first photo). */
  readonly coverChosen: boolean;
}

export interface AlbumPageProps {
  readonly context: ViewContext;
  readonly album: AlbumView;
  readonly photos: readonly AlbumPhotoView[];
  readonly page: number;
  readonly hasNext: boolean;
  readonly maxName: number;
  /** The rename form's answer when its name was refused. */
  readonly rename?: { readonly name: string; readonly errors: readonly string[] };
  /** The share section. */
  readonly children?: ComponentChildren;
}

/** One of the owner's albums: its ready photos, rename, cover, remove, share and delete. */
export function AlbumPage({ context, album, photos, page, hasNext, maxName, rename, children }: AlbumPageProps) {
  const base = `/albums/${album.id}/`;
  const renameErrors = rename?.errors ?? [];
  return (
    <Layout title={album.name} context={context} scripts={['/static/gallery.js']}>
      <p>
        <a href="/albums/">← All albums</a>
      </p>
      <h1>{album.name}</h1>
      <p class="muted" id="album-count">
        {photoCountText(album.photoCount)}
      </p>
      {photos.length === 0 ? (
        <p class="empty">
          This album has no photos yet. Select some in your <a href="/photos/">gallery</a>.
        </p>
      ) : (
        <ul class="gallery album-grid">
          {photos.map((p) => {
            const label = p.title || 'Untitled';
            return (
              <li data-photo-id={p.id}>
                <a href={`/photos/${p.id}/?in=album:${album.id}`} class="tile">
                  <PhotoPicture id={p.id} size="thumb" alt={p.altText || p.title || 'Photo'} width={p.width} height={p.height} placeholder={p.placeholder} mediaBase={`/photos/${p.id}/media/`} />
                  <span class="tile-title">{label}</span>
                </a>
                <div class="tile-actions">
                  {p.id === album.coverId ? (
                    <span class="status cover-mark">Cover</span>
                  ) : (
                    <form method="post" action={`/albums/${album.id}/cover/`} class="inline-form">
                      <CsrfField token={context.csrfToken} />
                      <input type="hidden" name="photo" value={p.id} />
                      <button type="submit" class="link-button" aria-label={`Make ${label} the cover`}>
                        Make cover
                      </button>
                    </form>
                  )}
                  <form method="post" action={`/albums/${album.id}/photos/remove/`} class="inline-form">
                    <CsrfField token={context.csrfToken} />
                    <input type="hidden" name="photo" value={p.id} />
                    <button type="submit" class="link-button" aria-label={`Remove ${label} from the album`}>
                      Remove
                    </button>
                  </form>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <Pager base={base} page={page} hasNext={hasNext} />
      <section class="card">
        <h2>Name</h2>
        <form method="post" action={`/albums/${album.id}/rename/`}>
          <CsrfField token={context.csrfToken} />
          <label for="id_album_rename">Album name</label>
          <input
            id="id_album_rename"
            name="name"
            type="text"
            required
            maxlength={maxName}
            value={rename?.name ?? album.name}
            aria-invalid={renameErrors.length > 0 ? 'true' : undefined}
            aria-describedby={renameErrors.length > 0 ? 'album-rename-errors' : undefined}
          />
          <FieldErrors id="album-rename-errors" errors={renameErrors} />
          <button type="submit">Rename</button>
        </form>
        {album.coverChosen ? (
          <form method="post" action={`/albums/${album.id}/cover/`}>
            <CsrfField token={context.csrfToken} />
            <input type="hidden" name="photo" value="" />
            <button type="submit" class="link-button">
              Use the first photo as the cover
            </button>
          </form>
        ) : null}
      </section>
      {children}
      <section class="card danger-zone">
        <h2>Delete</h2>
        <p>Deleting the album keeps its photos in your library.</p>
        <a class="button danger" href={`${base}delete/`}>
          Delete this album…
        </a>
      </section>
    </Layout>
  );
}

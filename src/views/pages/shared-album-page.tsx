import { PhotoPicture } from '../components/photo-picture.js';
import { Pager } from '../components/pager.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';
import type { AlbumPhotoView } from './album-page.js';

/** Only what an album link reveals of a photo: the picture and its own texts. */
export type SharedAlbumPhoto = AlbumPhotoView;

export interface SharedAlbumPageProps {
  readonly context: ViewContext;
  readonly name: string;
  readonly photos: readonly SharedAlbumPhoto[];
  /** `/s/<token>/`: every URL of the page is under the link. */
  readonly basePath: string;
  readonly page: number;
  readonly hasNext: boolean;
}

/** A shared album: its name and a grid of its ready photos, nothing else of the owner's. */
export function SharedAlbumPage({ context, name, photos, basePath, page, hasNext }: SharedAlbumPageProps) {
  return (
    <Layout title={name || 'Shared album'} context={context} scripts={['/static/gallery.js']}>
      <h1>{name || 'Shared album'}</h1>
      {photos.length === 0 ? (
        <p class="empty">This album has no photos yet.</p>
      ) : (
        <ul class="gallery album-grid">
          {photos.map((p) => (
            <li>
              <a href={`${basePath}photos/${p.id}/`} class="tile">
                <PhotoPicture id={p.id} size="thumb" alt={p.altText || p.title || 'Photo'} width={p.width} height={p.height} placeholder={p.placeholder} mediaBase={`${basePath}photos/${p.id}/media/`} />
                <span class="tile-title">{p.title || 'Untitled'}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      <Pager base={basePath} page={page} hasNext={hasNext} />
    </Layout>
  );
}

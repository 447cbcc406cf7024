import { PhotoPicture } from '../components/photo-picture.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

/** Only what a share link reveals: the picture and its own texts, nothing else of the owner's. */
export interface SharedPhotoView {
  readonly title: string;
  readonly altText: string;
  readonly caption: string;
  readonly width: number;
  readonly height: number;
  readonly placeholder: string;
}

export interface SharedPhotoPageProps {
  readonly context: ViewContext;
  readonly photo: SharedPhotoView;
  /** `/s/<token>/media/`, or `/s/<token>/photos/<id>/media/` for a photo of a shared album */
  readonly mediaBase: string;
  /** For a photo of a shared album: the way back to the album. */
  readonly back?: { readonly href: string; readonly label: string };
}

export function SharedPhotoPage({ context, photo, mediaBase, back }: SharedPhotoPageProps) {
  const title = photo.title || 'Shared photo';
  return (
    <Layout title={title} context={context} scripts={['/static/gallery.js']}>
      {back ? (
        <p>
          <a href={back.href}>← {back.label || 'Album'}</a>
        </p>
      ) : null}
      <h1>{title}</h1>
      <figure class="photo">
        <PhotoPicture id="shared" size="display" alt={photo.altText || photo.title || 'Shared photo'} width={photo.width} height={photo.height} placeholder={photo.placeholder} mediaBase={mediaBase} />
        {photo.caption ? <figcaption>{photo.caption}</figcaption> : null}
      </figure>
    </Layout>
  );
}

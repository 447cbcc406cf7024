import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface GalleryPhoto {
  readonly id: string;
  readonly title: string;
  readonly status: string;
}

export interface GalleryPageProps {
  readonly context: ViewContext;
  readonly photos: readonly GalleryPhoto[];
  readonly page: number;
  readonly hasNext: boolean;
}

export function GalleryPage({ context, photos, page, hasNext }: GalleryPageProps) {
  return (
    <Layout title="Your photos" context={context}>
      <h1>Your photos</h1>
      {photos.length === 0 ? (
        <p class="empty">You have no photos yet.</p>
      ) : (
        <ul class="gallery">
          {photos.map((p) => (
            <li>
              <a href={`/photos/${p.id}/`}>{p.title || 'Untitled'}</a> <span class={`status status-${p.status}`}>{p.status}</span>
            </li>
          ))}
        </ul>
      )}
      <nav class="pager" aria-label="Pages">
        {page > 1 ? <a href={`/photos/?page=${page - 1}`}>Newer</a> : null}
        {hasNext ? <a href={`/photos/?page=${page + 1}`}>Older</a> : null}
      </nav>
    </Layout>
  );
}

import { PhotoPicture } from './photo-picture.js';

/** What a tile of an album list shows. */
export interface AlbumTileView {
  readonly id: string;
  readonly name: string;
  readonly photoCount: number;
  readonly cover: { readonly id: string; readonly altText: string; readonly width: number; readonly height: number; readonly placeholder: string } | null;
}

export function photoCountText(count: number): string {
  return count === 1 ? '1 photo' : `${count} photos`;
}

/** One album in the owner's list: its cover (the owner's own thumbnail URL), name and count. */
export function AlbumTile({ album }: { album: AlbumTileView }) {
  const { cover } = album;
  return (
    <a href={`/albums/${album.id}/`} class="tile album-tile">
      {cover ? (
        <PhotoPicture id={cover.id} size="thumb" alt={cover.altText || album.name} width={cover.width} height={cover.height} placeholder={cover.placeholder} mediaBase={`/photos/${cover.id}/media/`} />
      ) : (
        <span class="tile-pending">No photos yet</span>
      )}
      <span class="tile-title">{album.name}</span>
      <span class="status">{photoCountText(album.photoCount)}</span>
    </a>
  );
}

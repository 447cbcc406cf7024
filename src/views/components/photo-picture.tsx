export interface PhotoPictureProps {
  readonly id: string;
  readonly size: 'thumb' | 'display';
  readonly alt: string;
  readonly width: number;
  readonly height: number;
  readonly placeholder: string;
  /** Prefix of the media URLs: `/photos/<id>/media/` for the owner, `/s/<token>/media/` for a share. */
  readonly mediaBase: string;
}

const BOX = { thumb: 256, display: 1440 } as const;

/** The photo's JPEG (its only derivative format); the ThumbHash placeholder is painted by /static/gallery.js. */
export function PhotoPicture({ size, alt, width, height, placeholder, mediaBase }: PhotoPictureProps) {
  const scale = width > 0 && height > 0 ? Math.min(1, BOX[size] / Math.max(width, height)) : 1;
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return (
    <img src={`${mediaBase}${size}.jpg`} alt={alt} width={w} height={h} loading={size === 'thumb' ? 'lazy' : 'eager'} decoding="async" data-thumbhash={placeholder || undefined} class={`photo-${size}`} />
  );
}

import type { PhotoRecord } from './photo-repository.js';

/** The files stored for one photo. Names are fixed, so a URL can only ever pick one of these. */
export const MEDIA_VARIANTS = ['original', 'display.webp', 'display.jpg', 'thumb.webp', 'thumb.jpg'] as const;
export type MediaVariant = (typeof MEDIA_VARIANTS)[number];

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };
const MIME: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

export function isMediaVariant(value: string): value is MediaVariant {
  return (MEDIA_VARIANTS as readonly string[]).includes(value);
}

/** Storage key of a variant: `<photo id>/<fixed name>`. */
export function mediaKey(photoId: string, variant: MediaVariant): string {
  return `${photoId}/${variant}`;
}

/** Content type of a stored variant; only raster types we wrote ourselves, never HTML or SVG. */
export function mediaType(photo: Pick<PhotoRecord, 'format'>, variant: MediaVariant): string {
  if (variant.endsWith('.webp')) return 'image/webp';
  if (variant.endsWith('.jpg')) return 'image/jpeg';
  return MIME[photo.format] ?? 'application/octet-stream';
}

export function mediaFileName(photo: Pick<PhotoRecord, 'id' | 'format'>, variant: MediaVariant): string {
  const extension = variant === 'original' ? (EXTENSIONS[photo.format] ?? 'bin') : variant.split('.')[1];
  const stem = variant === 'original' ? 'photo' : variant.split('.')[0];
  return `${stem}-${photo.id}.${extension}`;
}

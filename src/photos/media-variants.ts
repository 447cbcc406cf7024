import { ORIGINAL_MIME, type OriginalFormat } from '../media/images/lossless/strip-metadata.js';
import type { PhotoRecord } from './photo-repository.js';

/** The files stored for one photo. Names are fixed, so a URL can only ever pick one of these. */
export const MEDIA_VARIANTS = ['original', 'display.jpg', 'thumb.jpg'] as const;
export type MediaVariant = (typeof MEDIA_VARIANTS)[number];

/**
 * Names of files no longer made: before issue 18 each derivative also had a WebP twin. Their URLs
 * (in pages or bookmarks from before) redirect to the JPEG that replaced them, and deleting a photo
 * still removes such files where they were stored.
 */
export const RETIRED_VARIANTS: Readonly<Record<string, MediaVariant>> = { 'display.webp': 'display.jpg', 'thumb.webp': 'thumb.jpg' };
export type RetiredVariant = 'display.webp' | 'thumb.webp';
const RETIRED_NAMES = Object.keys(RETIRED_VARIANTS) as RetiredVariant[];

/** Every name a photo's files may have in storage, current and retired. */
export const STORED_VARIANTS: readonly (MediaVariant | RetiredVariant)[] = [...MEDIA_VARIANTS, ...RETIRED_NAMES];

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp', gif: 'gif', avif: 'avif', heif: 'heic' };

/** File extension of a stored original by its format column ('bin' for anything unknown). */
export function originalExtension(format: string): string {
  return Object.hasOwn(EXTENSIONS, format) ? (EXTENSIONS[format] as string) : 'bin';
}

export function isMediaVariant(value: string): value is MediaVariant {
  return (MEDIA_VARIANTS as readonly string[]).includes(value);
}

/** The variant that replaced a retired name, or undefined. */
export function replacementOf(value: string): MediaVariant | undefined {
  return Object.hasOwn(RETIRED_VARIANTS, value) ? RETIRED_VARIANTS[value] : undefined;
}

/** Storage key of a variant: `<photo id>/<fixed name>`. */
export function mediaKey(photoId: string, variant: MediaVariant | RetiredVariant): string {
  return `${photoId}/${variant}`;
}

/** Content type of a stored variant; only raster types we wrote ourselves, never HTML or SVG. */
export function mediaType(photo: Pick<PhotoRecord, 'format'>, variant: MediaVariant): string {
  if (variant.endsWith('.jpg')) return 'image/jpeg';
  return Object.hasOwn(ORIGINAL_MIME, photo.format) ? ORIGINAL_MIME[photo.format as OriginalFormat] : 'application/octet-stream';
}

export function mediaFileName(photo: Pick<PhotoRecord, 'id' | 'format'>, variant: MediaVariant): string {
  const extension = variant === 'original' ? originalExtension(photo.format) : variant.split('.')[1];
  const stem = variant === 'original' ? 'photo' : variant.split('.')[0];
  return `${stem}-${photo.id}.${extension}`;
}

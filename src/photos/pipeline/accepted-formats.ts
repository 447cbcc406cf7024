export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'heif';

interface FormatSpec {
  readonly mime: string;
  readonly label: string;
  /** The libvips loader that must decode it (sharp's `metadata().format`). */
  readonly decoder: 'jpeg' | 'png' | 'webp' | 'gif' | 'heif';
}

const FORMATS: Readonly<Record<ImageFormat, FormatSpec>> = {
  jpeg: { mime: 'image/jpeg', label: 'JPEG', decoder: 'jpeg' },
  png: { mime: 'image/png', label: 'PNG', decoder: 'png' },
  webp: { mime: 'image/webp', label: 'WebP', decoder: 'webp' },
  gif: { mime: 'image/gif', label: 'GIF', decoder: 'gif' },
  avif: { mime: 'image/avif', label: 'AVIF', decoder: 'heif' },
  heif: { mime: 'image/heic', label: 'HEIC', decoder: 'heif' },
};

/** Every format the allow-list can name, in the order messages list them. */
export const UPLOAD_FORMATS = Object.keys(FORMATS) as readonly ImageFormat[];

// Maps file-type's `ext` (decided from magic bytes, never from the name) onto our formats.
const FORMAT_BY_SNIFFED_EXT: Readonly<Record<string, ImageFormat>> = {
  jpg: 'jpeg',
  png: 'png',
  apng: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  heic: 'heif',
};

/** The formats a deployment's image decoder can read (see sharp-formats.ts and PREBUILT_SHARP_FORMATS). */
export type DecodableFormats = ReadonlySet<ImageFormat>;

/**
 * What the prebuilt sharp (the package's own libvips, which every deployment file here installs)
 * decodes: its libheif reads AV1 only, so AVIF but not HEIC. A web-only instance never loads sharp
 * (issue 14 item 5), so it assumes this set instead of asking libvips; test/photos/pipeline
 * checks it against the installed sharp, and a worker whose sharp differs logs it at start-up. With
 * a custom libvips that decodes HEIC, web-only instances still refuse HEIC at the door; with one
 * that lacks a format listed here, the worker's own validation rejects such a photo with its reason.
 */
export const PREBUILT_SHARP_FORMATS: DecodableFormats = new Set<ImageFormat>(['jpeg', 'png', 'webp', 'gif', 'avif']);

export function formatForSniffedExt(ext: string): ImageFormat | undefined {
  return Object.hasOwn(FORMAT_BY_SNIFFED_EXT, ext) ? FORMAT_BY_SNIFFED_EXT[ext] : undefined;
}

export function mimeOf(format: ImageFormat): string {
  return FORMATS[format].mime;
}

export function labelOf(format: ImageFormat): string {
  return FORMATS[format].label;
}

export function decoderOf(format: ImageFormat): FormatSpec['decoder'] {
  return FORMATS[format].decoder;
}

/** "JPEG, PNG, WebP, GIF or AVIF": the formats this server accepts, for messages to users. */
export function describeAcceptedFormats(decodable: DecodableFormats): string {
  const labels = UPLOAD_FORMATS.filter((format) => decodable.has(format)).map(labelOf);
  const last = labels.pop();
  return labels.length > 0 ? `${labels.join(', ')} or ${last}` : (last ?? 'JPEG');
}

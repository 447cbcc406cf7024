import sharp from 'sharp';

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

/** Whether this sharp build can decode the format; the allow-list never names a format it cannot read. */
export function isFormatDecodable(format: ImageFormat): boolean {
  const decoder = sharp.format[FORMATS[format].decoder];
  if (!decoder.input.file) return false;
  if (format !== 'heif') return true;
  // sharp's prebuilt libheif decodes AV1 only and then lists just '.avif'; HEVC (HEIC) needs a
  // libvips built with libde265, which then lists '.heic' too.
  return decoder.input.fileSuffix?.includes('.heic') ?? false;
}

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
export function describeAcceptedFormats(): string {
  const labels = (Object.keys(FORMATS) as ImageFormat[]).filter(isFormatDecodable).map(labelOf);
  const last = labels.pop();
  return labels.length > 0 ? `${labels.join(', ')} or ${last}` : (last ?? 'JPEG');
}

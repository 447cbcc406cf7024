import { stripGif } from './strip-gif.js';
import { stripHeif } from './strip-heif.js';
import { stripJpeg } from './strip-jpeg.js';
import { stripPng } from './strip-png.js';
import { stripWebp } from './strip-webp.js';

/** The libvips loaders whose uploads are kept without recompression: every one the allow-list admits. */
export type LosslessDecoder = 'jpeg' | 'png' | 'webp' | 'gif' | 'heif';
/** The stored original's format: its decoder's, with HEIF told apart by its coding (AV1: AVIF). */
export type OriginalFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'heif';

/** The stored original's content type by its format (served as is: raster types only). */
export const ORIGINAL_MIME: Readonly<Record<OriginalFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  heif: 'image/heic',
};

export function isLosslessDecoder(decoder: string): decoder is LosslessDecoder {
  return decoder === 'jpeg' || decoder === 'png' || decoder === 'webp' || decoder === 'gif' || decoder === 'heif';
}

export interface StrippedOriginal {
  data: Buffer;
  format: OriginalFormat;
  mime: string;
}

export interface StripOptions {
  /** EXIF orientation of the upload, rewritten as the only EXIF (JPEG, PNG, WebP). */
  orientation?: number | undefined;
  /** HEIF's coding as sharp reports it ('av1' or 'hevc'). */
  compression?: string | undefined;
  /** Frames the decoder reads (sharp's `pages`); a GIF with another number of frames is refused. */
  pages?: number | undefined;
}

/**
 * The upload's bytes with its metadata removed and its image data copied byte for byte, keeping only
 * what display needs (colour profile, orientation; an animation's frames and timing). Throws
 * ImageDecodeError('corrupt') on malformed structure.
 */
export function stripMetadata(decoder: LosslessDecoder, input: Buffer, options: StripOptions = {}): StrippedOriginal {
  const format: OriginalFormat = decoder === 'heif' ? (options.compression === 'av1' ? 'avif' : 'heif') : decoder;
  return { data: stripBytes(decoder, input, options), format, mime: ORIGINAL_MIME[format] };
}

function stripBytes(decoder: LosslessDecoder, input: Buffer, { orientation, pages }: StripOptions): Buffer {
  switch (decoder) {
    case 'jpeg':
      return stripJpeg(input, orientation);
    case 'png':
      return stripPng(input, orientation);
    case 'webp':
      return stripWebp(input, orientation);
    case 'gif':
      return stripGif(input, pages);
    case 'heif':
      // HEIF's orientation is its irot/imir properties, which the strip keeps as they are.
      return stripHeif(input);
  }
}

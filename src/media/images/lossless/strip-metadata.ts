import { stripGif } from './strip-gif.js';
import { stripJpeg } from './strip-jpeg.js';
import { stripPng } from './strip-png.js';
import { stripWebp } from './strip-webp.js';

/** Formats whose original is kept without recompression; HEIF/AVIF is still re-encoded. */
export type LosslessFormat = 'jpeg' | 'png' | 'webp' | 'gif';

export const LOSSLESS_MIME: Readonly<Record<LosslessFormat, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

export function isLosslessFormat(decoder: string): decoder is LosslessFormat {
  return Object.hasOwn(LOSSLESS_MIME, decoder);
}

/**
 * The upload's bytes with its metadata removed and its image data copied byte for byte, keeping only
 * what display needs (colour profile, orientation; an animation's frames and timing). Throws
 * ImageDecodeError('corrupt') on malformed structure.
 */
export function stripMetadata(format: LosslessFormat, input: Buffer, orientation?: number): Buffer {
  switch (format) {
    case 'jpeg':
      return stripJpeg(input, orientation);
    case 'png':
      return stripPng(input, orientation);
    case 'webp':
      return stripWebp(input, orientation);
    case 'gif':
      return stripGif(input);
  }
}

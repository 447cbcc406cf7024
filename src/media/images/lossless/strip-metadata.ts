import { stripJpeg } from './strip-jpeg.js';
import { stripPng } from './strip-png.js';

/** Formats whose original is kept without recompression; the others (WebP, GIF, HEIF/AVIF) are re-encoded. */
export type LosslessFormat = 'jpeg' | 'png';

export function isLosslessFormat(decoder: string): decoder is LosslessFormat {
  return decoder === 'jpeg' || decoder === 'png';
}

/**
 * The upload's bytes with its metadata removed and its image data copied byte for byte, keeping only
 * what display needs (colour profile, orientation). Throws ImageDecodeError('corrupt') on malformed
 * structure.
 */
export function stripMetadata(format: LosslessFormat, input: Buffer, orientation?: number): Buffer {
  return format === 'jpeg' ? stripJpeg(input, orientation) : stripPng(input, orientation);
}

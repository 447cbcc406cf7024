import { ImageDecodeError } from '../image-decode-error.js';

/** The file's structure is broken (truncated, bogus lengths, too many segments): refused as corrupt. */
export function malformed(format: 'JPEG' | 'PNG' | 'WebP' | 'GIF' | 'HEIF', detail: string): ImageDecodeError {
  return new ImageDecodeError('corrupt', `${format} structure: ${detail}`);
}

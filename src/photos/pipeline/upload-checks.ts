import { fileTypeFromBuffer } from 'file-type';
import { decoderOf, formatForSniffedExt, labelOf, type DecodableFormats, type ImageFormat } from './accepted-formats.js';
import { describeRefusedType } from './describe-refused-type.js';
import { PhotoRejectedError } from './rejection.js';
import type { UploadFile } from './upload-file.js';

// What describeRefusedType looks at to name a refused file (an HTML page, an SVG).
const SNIFF_BYTES = 1024;

/**
 * The bytes both validators read before anything else: the sniffer and the header parsers share
 * them. image-size reads at most this much of a file, and so does the header gate (validate-header.ts).
 */
export const HEAD_BYTES = 512 * 1024;

export interface ValidatedImage {
  format: ImageFormat;
  mime: string;
  /** Pixel size after EXIF orientation; for animations, one frame. */
  width: number;
  height: number;
}

export interface ValidateUploadOptions {
  /** Largest accepted width × height of one frame (pixel-flood defence). */
  maxPixels: number;
  /** Largest accepted file size in bytes; the upload route should also enforce it while receiving. */
  maxBytes?: number;
}

/**
 * The cheap gate an upload passes before it is queued: with sharp (validate.ts, where jobs run) or
 * with a pure-JavaScript header parser (validate-header.ts, on a web-only instance). Both refuse the
 * same files with the same messages (test/photos/pipeline/validators-agree.test.ts).
 */
export type UploadValidator = (filePath: string, options: ValidateUploadOptions) => Promise<ValidatedImage>;

/**
 * Size, then the format claimed by the magic bytes, checked against the allow-list. Both validators
 * sniff the same head (HEAD_BYTES of the file), so they name a refused file the same way.
 */
export async function sniffUpload(file: UploadFile, options: ValidateUploadOptions, decodable: DecodableFormats): Promise<ImageFormat> {
  if (file.size === 0) throw new PhotoRejectedError('empty');
  if (options.maxBytes !== undefined && file.size > options.maxBytes) {
    throw new PhotoRejectedError('too_large', {
      userMessage: `This file is too large. The limit is ${formatBytes(options.maxBytes)}.`,
      logDetail: `${file.size} bytes > ${options.maxBytes}`,
    });
  }

  // OWASP File Upload Cheat Sheet: decide the type from the content, never the name or Content-Type.
  const sniffed = await fileTypeFromBuffer(file.head);
  const claimed = sniffed ? formatForSniffedExt(sniffed.ext) : undefined;
  if (!claimed || !decodable.has(claimed)) {
    throw new PhotoRejectedError('unsupported_type', {
      userMessage: describeRefusedType(sniffed, file.head.subarray(0, SNIFF_BYTES), decodable),
      logDetail: `sniffed ${sniffed ? sniffed.mime : 'unknown'}`,
    });
  }
  return claimed;
}

// The sniffer and the header parser are two parsers; both must agree, or a polyglot could pass one
// check as one format and be decoded as another.
// `parsed` is what the header parser read (HEIC or AVIF by what the HEIF container holds).
export function confirmFormat(claimed: ImageFormat, parsed: ImageFormat | undefined, decodable: DecodableFormats, detail: string): ImageFormat {
  if (!parsed || decoderOf(parsed) !== decoderOf(claimed)) throw new PhotoRejectedError('unsupported_type', { logDetail: `sniffed ${claimed}, header parser saw ${detail}` });
  if (!decodable.has(parsed)) {
    throw new PhotoRejectedError('unsupported_type', {
      userMessage: `${labelOf(parsed)} photos cannot be processed by this server. Export the photo as JPEG and upload it again.`,
      logDetail: `sniffed ${claimed}, header parser saw ${detail}`,
    });
  }
  return parsed;
}

/**
 * Pixel flood / decompression bomb (CWE-409): a few KB can declare gigapixels, so the header's
 * dimensions are checked before anything allocates a frame. Animations decode one frame only.
 */
export function checkDimensions(width: number | undefined, height: number | undefined, maxPixels: number): void {
  if (!(width !== undefined && height !== undefined && width > 0 && height > 0)) throw new PhotoRejectedError('corrupt', { logDetail: 'header has no dimensions' });
  if (width * height > maxPixels) {
    throw new PhotoRejectedError('too_many_pixels', {
      userMessage: `This image is ${width} × ${height} pixels, more than the ${formatMegapixels(maxPixels)} limit. Resize it and upload it again.`,
      logDetail: `${width}x${height} > ${maxPixels}`,
    });
  }
}

function formatMegapixels(pixels: number): string {
  return `${Number((pixels / 1_000_000).toFixed(1))} megapixel`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${Number((bytes / 1_000_000).toFixed(1))} MB`;
  if (bytes >= 1_000) return `${Number((bytes / 1_000).toFixed(1))} KB`;
  return `${bytes} bytes`;
}

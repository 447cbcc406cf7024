import { open, stat } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import { restrictImageDecoders } from '../../media/images/restrict-decoders.js';
import { decoderOf, formatForSniffedExt, isFormatDecodable, labelOf, mimeOf, type ImageFormat } from './accepted-formats.js';
import { describeRefusedType } from './describe-refused-type.js';
import { PhotoRejectedError } from './rejection.js';

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

const SNIFF_BYTES = 1024;

/**
 * The cheap gate run before anything else touches an upload: type from magic bytes against an
 * allow-list, then dimensions from the header only. It never decodes pixel data: the single full
 * decode (with `failOn` and `limitInputPixels`) is transformImage's, which is what refuses
 * truncated and corrupt pixel data, so a photo is not decoded twice.
 */
export async function validateUpload(filePath: string, options: ValidateUploadOptions): Promise<ValidatedImage> {
  const info = await stat(filePath);
  if (!info.isFile()) throw new Error(`validateUpload expects a regular file: ${filePath}`);
  if (info.size === 0) throw new PhotoRejectedError('empty');
  if (options.maxBytes !== undefined && info.size > options.maxBytes) {
    throw new PhotoRejectedError('too_large', {
      userMessage: `This file is too large. The limit is ${formatBytes(options.maxBytes)}.`,
      logDetail: `${info.size} bytes > ${options.maxBytes}`,
    });
  }

  // OWASP File Upload Cheat Sheet: decide the type from the content, never the name or Content-Type.
  const sniffed = await fileTypeFromFile(filePath);
  const claimed = sniffed ? formatForSniffedExt(sniffed.ext) : undefined;
  if (!claimed || !isFormatDecodable(claimed)) {
    throw new PhotoRejectedError('unsupported_type', {
      userMessage: describeRefusedType(sniffed, await readHead(filePath)),
      logDetail: `sniffed ${sniffed ? sniffed.mime : 'unknown'}`,
    });
  }

  restrictImageDecoders();
  const metadata = await readHeader(filePath);
  const format = confirmFormat(claimed, metadata);
  const { width, height } = metadata;
  if (!(width > 0 && height > 0)) throw new PhotoRejectedError('corrupt', { logDetail: 'header has no dimensions' });

  // Pixel flood / decompression bomb (CWE-409): a few KB can declare gigapixels, so the header's
  // dimensions are checked before anything allocates a frame. Animations decode one frame only.
  if (width * height > options.maxPixels) {
    throw new PhotoRejectedError('too_many_pixels', {
      userMessage: `This image is ${width} × ${height} pixels, more than the ${formatMegapixels(options.maxPixels)} limit. Resize it and upload it again.`,
      logDetail: `${width}x${height} > ${options.maxPixels}`,
    });
  }

  const oriented = metadata.autoOrient;
  return { format, mime: mimeOf(format), width: oriented.width, height: oriented.height };
}

async function readHeader(filePath: string): Promise<Metadata> {
  try {
    // metadata() parses headers only and allocates no pixels, so it may see any declared size;
    // sharp's own limit would otherwise report a pixel flood as a generic failure.
    return await sharp(filePath, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new PhotoRejectedError('corrupt', { logDetail: 'header unreadable', cause: error });
  }
}

// The sniffer and the decoder are two parsers; both must agree, or a polyglot could pass one
// check as one format and be decoded as another.
function confirmFormat(claimed: ImageFormat, metadata: Metadata): ImageFormat {
  if (metadata.format !== decoderOf(claimed)) {
    throw new PhotoRejectedError('unsupported_type', { logDetail: `sniffed ${claimed}, decoder saw ${metadata.format}` });
  }
  if (metadata.format !== 'heif') return claimed;
  const actual: ImageFormat = metadata.compression === 'hevc' ? 'heif' : 'avif';
  if (!isFormatDecodable(actual)) {
    throw new PhotoRejectedError('unsupported_type', {
      userMessage: `${labelOf(actual)} photos cannot be processed by this server. Export the photo as JPEG and upload it again.`,
      logDetail: `heif compression ${String(metadata.compression)}`,
    });
  }
  return actual;
}

async function readHead(filePath: string): Promise<Buffer> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
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

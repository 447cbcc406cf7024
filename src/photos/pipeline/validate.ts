import sharp, { type Metadata } from 'sharp';
import { restrictImageDecoders } from '../../media/images/restrict-decoders.js';
import { mimeOf, type ImageFormat } from './accepted-formats.js';
import { PhotoRejectedError } from './rejection.js';
import { sharpDecodableFormats } from './sharp-formats.js';
import { checkDimensions, confirmFormat, HEAD_BYTES, sniffUpload, type ValidatedImage, type ValidateUploadOptions } from './upload-checks.js';
import { withUploadFile } from './upload-file.js';

export type { ValidatedImage, ValidateUploadOptions } from './upload-checks.js';

/**
 * The cheap gate run before anything else touches an upload: type from magic bytes against an
 * allow-list, then dimensions from the header only (libvips' header parser). It never decodes pixel
 * data: the single full decode (with `failOn` and `limitInputPixels`) is transformImage's, which is
 * what refuses truncated and corrupt pixel data, so a photo is not decoded twice.
 */
export async function validateUpload(filePath: string, options: ValidateUploadOptions): Promise<ValidatedImage> {
  const decodable = sharpDecodableFormats();
  // The same head as the web-only gate's, so that both sniff the same bytes.
  const claimed = await withUploadFile(filePath, HEAD_BYTES, (file) => sniffUpload(file, options, decodable));
  restrictImageDecoders();
  const metadata = await readHeader(filePath);
  const format = confirmFormat(claimed, formatOf(metadata), decodable, `${metadata.format} (${String(metadata.compression)})`);
  checkDimensions(metadata.width, metadata.height, options.maxPixels);
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

/** libvips' loader as one of our formats: its HEIF loader reads both, told apart by the compression. */
function formatOf(metadata: Metadata): ImageFormat | undefined {
  switch (metadata.format) {
    case 'jpeg':
    case 'png':
    case 'webp':
    case 'gif':
      return metadata.format;
    case 'heif':
      return metadata.compression === 'hevc' ? 'heif' : 'avif';
    default:
      return undefined;
  }
}

import { imageSize } from 'image-size';
import { containerOrientation, gifCanvas, jpegFrame, WEBP_MAX_DIMENSION } from './header-quirks.js';
import { mimeOf, PREBUILT_SHARP_FORMATS, type ImageFormat } from './accepted-formats.js';
import { PhotoRejectedError } from './rejection.js';
import { checkDimensions, confirmFormat, readHead, sniffUpload, type ValidatedImage, type ValidateUploadOptions } from './upload-checks.js';

// image-size reads at most this much of a file, and so do we: every header it parses (JPEG's SOF
// after the APP segments, HEIF's `meta` box before `mdat`) sits well inside it in what cameras and
// encoders write. A header beyond it is refused as unreadable, never guessed.
const HEADER_BYTES = 512 * 1024;

// image-size names HEIF files by their major brand; file-type names mif1/msf1 HEIC as well.
const FORMAT_BY_PARSED_TYPE: Readonly<Record<string, ImageFormat>> = {
  jpg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
  heic: 'heif',
  heix: 'heif',
  hevc: 'heif',
  hevx: 'heif',
  mif1: 'heif',
  msf1: 'heif',
};

// EXIF orientations 5-8 turn the picture a quarter: width and height swap (as sharp's autoOrient).
const QUARTER_TURNS = new Set([5, 6, 7, 8]);

/**
 * The upload gate of a web-only instance (WORKER_IN_PROCESS=false), which never loads sharp or
 * libvips (issue 14 item 5): the same checks and messages as validateUpload, with image-size, a
 * header-only parser in plain JavaScript, as the second parser. The worker validates again with
 * sharp before its strict decode, so what this lets through and libvips refuses (corrupt pixel
 * data, an AVIF-branded file holding HEVC) ends as a rejected photo with its reason for the owner.
 * Which formats are decodable is assumed, not asked of libvips: see PREBUILT_SHARP_FORMATS.
 */
export async function validateUploadHeader(filePath: string, options: ValidateUploadOptions): Promise<ValidatedImage> {
  const decodable = PREBUILT_SHARP_FORMATS;
  const claimed = await sniffUpload(filePath, options, decodable);
  const head = await readHead(filePath, HEADER_BYTES);
  const header = readHeader(head);
  const parsed = header.type !== undefined && Object.hasOwn(FORMAT_BY_PARSED_TYPE, header.type) ? FORMAT_BY_PARSED_TYPE[header.type] : undefined;
  const format = confirmFormat(claimed, parsed, decodable, String(header.type));
  const { width, height, orientation } = sizeAsLibvipsSees(format, head, header);
  if (format === 'webp' && Math.max(width, height) > WEBP_MAX_DIMENSION) throw new PhotoRejectedError('corrupt', { logDetail: `webp declares ${width}x${height}` });
  checkDimensions(width, height, options.maxPixels);
  const turned = orientation !== undefined && QUARTER_TURNS.has(orientation);
  return { format, mime: mimeOf(format), width: turned ? height : width, height: turned ? width : height };
}

type ParsedHeader = ReturnType<typeof imageSize>;

// image-size's type detection is all it needs to do for JPEG, whose frame header it reads only
// for three of the frame types libjpeg decodes: its size error then waits for the JPEG walker.
function readHeader(head: Buffer): Partial<ParsedHeader> {
  try {
    return imageSize(head);
  } catch (error) {
    if (head[0] === 0xff && head[1] === 0xd8) return { type: 'jpg' };
    throw new PhotoRejectedError('corrupt', { logDetail: 'header unreadable', cause: error });
  }
}

/** One frame's size as libvips' loader reports it (see header-quirks.ts), and the EXIF orientation. */
function sizeAsLibvipsSees(format: ImageFormat, head: Buffer, header: Partial<ParsedHeader>): { width: number; height: number; orientation: number | undefined } {
  const none = { width: 0, height: 0, orientation: undefined };
  if (format === 'jpeg') return jpegFrame(head) ?? none;
  if (format === 'gif') return { ...(gifCanvas(head) ?? none), orientation: undefined };
  return { width: header.width ?? 0, height: header.height ?? 0, orientation: containerOrientation(head, header.type) };
}

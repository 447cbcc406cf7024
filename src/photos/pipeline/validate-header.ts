import { imageSize } from 'image-size';
import { containerOrientation, gifCanvas, jpegFrame, WEBP_MAX_DIMENSION, webpCanvasMatchesFrame } from './header-quirks.js';
import { mimeOf, PREBUILT_SHARP_FORMATS, type ImageFormat } from './accepted-formats.js';
import { PhotoRejectedError } from './rejection.js';
import { checkDimensions, confirmFormat, HEAD_BYTES, sniffUpload, type ValidatedImage, type ValidateUploadOptions } from './upload-checks.js';
import { ForwardReader, withUploadFile, type UploadFile } from './upload-file.js';

// image-size parses the head (HEAD_BYTES): every header it reads (HEIF's `meta` box before `mdat`,
// PNG's IHDR, a GIF's screen) sits well inside it in what cameras and encoders write; one beyond it
// is refused as unreadable, never guessed. The JPEG and WebP walks below read on past the head,
// where libjpeg and libwebp would (large APP segments, a large ICC chunk before the bitstream).

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
  // One open and one read of the head, shared by the sniffer, image-size and the quirk checks.
  return withUploadFile(filePath, HEAD_BYTES, (file) => validateFile(file, options));
}

async function validateFile(file: UploadFile, options: ValidateUploadOptions): Promise<ValidatedImage> {
  const decodable = PREBUILT_SHARP_FORMATS;
  const claimed = await sniffUpload(file, options, decodable);
  const header = readHeader(file.head);
  const parsed = header.type !== undefined && Object.hasOwn(FORMAT_BY_PARSED_TYPE, header.type) ? FORMAT_BY_PARSED_TYPE[header.type] : undefined;
  const format = confirmFormat(claimed, parsed, decodable, String(header.type));
  const reader = new ForwardReader(file, HEAD_BYTES);
  const { width, height, orientation } = await sizeAsLibvipsSees(format, reader, header);
  if (format === 'webp') await checkWebp(reader, width, height);
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
async function sizeAsLibvipsSees(format: ImageFormat, reader: ForwardReader, header: Partial<ParsedHeader>): Promise<{ width: number; height: number; orientation: number | undefined }> {
  const none = { width: 0, height: 0, orientation: undefined };
  if (format === 'jpeg') return (await jpegFrame(reader)) ?? none;
  if (format === 'gif') return { ...(gifCanvas(reader.head) ?? none), orientation: undefined };
  return { width: header.width ?? 0, height: header.height ?? 0, orientation: containerOrientation(reader.head, header.type) };
}

/** What libwebp refuses of a header image-size reads: a side over its limit, a canvas that is not its bitstream's size. */
async function checkWebp(reader: ForwardReader, width: number, height: number): Promise<void> {
  if (Math.max(width, height) > WEBP_MAX_DIMENSION) throw new PhotoRejectedError('corrupt', { logDetail: `webp declares ${width}x${height}` });
  if (!(await webpCanvasMatchesFrame(reader))) throw new PhotoRejectedError('corrupt', { logDetail: 'webp canvas is not its bitstream size' });
}

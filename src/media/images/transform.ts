import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { encodeImage, encodePipeline, type EncodedImage } from './encode.js';
import { ImageDecodeError, toImageDecodeError } from './image-decode-error.js';
import { chooseModeratedFrames, compositedPixels } from './animation-frames.js';
import { imageWork } from './image-work.js';
import { isLosslessDecoder, stripMetadata, type LosslessDecoder, type OriginalFormat } from './lossless/strip-metadata.js';
import { readPhotoFacts, type PhotoFacts } from './photo-facts.js';
import type { RawImage } from './raw-image.js';
import { restrictImageDecoders } from './restrict-decoders.js';
import { createThumbhash } from './thumbhash.js';

export interface TransformOptions {
  /** Largest width × height decoded; libvips refuses bigger headers before allocating. */
  maxPixels: number;
  /** Box the thumbnail fits inside (default 256). */
  thumbnailSize?: number;
  /** Box the display image fits inside (default 1440). */
  displaySize?: number;
  /** Read the GPS position into `facts` (the owner chose to keep it); default false. */
  keepLocation?: boolean;
  /** Now, in epoch ms, for judging the date taken (default Date.now()). */
  now?: number;
}

/** The stored original: the upload's own bytes with the metadata removed, in the upload's format. */
export interface OriginalImage extends Omit<EncodedImage, 'format'> {
  format: OriginalFormat;
}

export interface TransformedImage {
  /**
   * The original the owner downloads: the upload's own bytes with the metadata removed and the image
   * data untouched (colour profile, orientation and an animation's frames kept, see lossless/).
   */
  original: OriginalImage;
  /** Camera, exposure, date taken (and location when asked), read before the metadata was removed. */
  facts: PhotoFacts;
  /** JPEG inside a 1440-px box (never enlarged). */
  display: EncodedImage;
  /** JPEG inside a 256-px box, resized from the display pixels. */
  thumbnail: EncodedImage;
  /** The thumbnail's pixels, for what needs a small picture (ThumbHash, the moderation model). */
  thumbnailPixels: RawImage;
  /**
   * For an animation, later frames for the moderation model besides the thumbnail (the first frame):
   * up to 3 spread evenly to the last frame (animation-frames.ts), each a JPEG in the thumbnail's box.
   * Empty for a still, and for an animation too long to check (`framesUnchecked`).
   */
  laterFrames: EncodedImage[];
  /**
   * True for an animation whose later frames would cost more than the pixel limit to render (see
   * decodeLaterFrames): they were not decoded, and moderation holds the photo for a person instead.
   */
  framesUnchecked: boolean;
  /** Base64 ThumbHash placeholder. */
  thumbhash: string;
  /** Hex SHA-256 of `original.data`. */
  contentHash: string;
  width: number;
  height: number;
}

// One format per derivative, JPEG for both (issue 18, measured in docs/performance.md): a 1440-px
// JPEG encodes in ~15-23 ms against 66-241 ms for WebP; a 256-px JPEG in ~1-2 ms against 5-10 ms,
// for a file 0-20% larger. Every browser shows JPEG, so no second format is made or served.
const DISPLAY = { quality: 82, optimiseCoding: false } as const;
// Huffman optimisation costs ~1 ms on a thumbnail, which is served many times, for ~3-5% fewer bytes.
const THUMBNAIL = { quality: 80, optimiseCoding: true } as const;

/**
 * Decodes the upload strictly and derives everything from it: the original, display and thumbnail
 * renditions, a ThumbHash, and the facts (camera, date taken) read from its EXIF before any of it is
 * dropped. This is the pipeline's only pixel decoding, so it is what refuses truncated and corrupt
 * files: it throws ImageDecodeError ('corrupt', 'too_many_pixels' or 'unsupported').
 *
 * Every pass uses the same strict options (loaders restricted to the allow-list, failOn 'error', the
 * pixel limit). The original is the upload with its metadata stripped losslessly (never a
 * full-resolution encode), and the renditions are decoded from those stripped bytes, shrunk on load
 * (an animation's first frame, as before). For an animation, a few later frames are also decoded,
 * shrunk to the thumbnail's size, for the moderation model (laterFrames).
 */
export async function transformImage(inputPath: string, options: TransformOptions): Promise<TransformedImage> {
  // Read once: the header, the stripper and the decoder all work on these bytes. The path is the
  // pipeline's own staging name.
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- never a request value
  const upload = await readFile(inputPath);
  const header = await readHeader(upload, options.maxPixels);
  const facts = readPhotoFacts(header.exif, { keepLocation: options.keepLocation ?? false, now: options.now ?? Date.now() });
  const thumbnailSize = options.thumbnailSize ?? 256;
  const renditionsOf = (input: Buffer) => makeRenditions(decoderFor(input, options.maxPixels), header.alpha, options.displaySize ?? 1440, thumbnailSize);
  // The renditions are decoded from the stripped bytes, so the file the owner downloads is the one
  // this strict decode has just proven whole.
  const stripped = stripMetadata(header.decoder, upload, header);
  const original: OriginalImage = { ...header.size, ...stripped };
  const { display, thumbnail, thumbnailPixels, thumbhash } = await renditionsOf(original.data);
  // The later frames are taken here, not in the moderation step: this module owns the strict decode
  // (allow-listed loaders, failOn, the pixel limit) and already knows the frame count from the header
  // it read, so a still costs no second decode or header read, and the model's thread only ever sees
  // small JPEGs this module wrote, never the upload.
  const { laterFrames, framesUnchecked } = await decodeLaterFrames(original.data, header, options.maxPixels, thumbnailSize);

  return {
    original,
    facts,
    display,
    thumbnail,
    thumbnailPixels,
    laterFrames,
    framesUnchecked,
    thumbhash,
    contentHash: createHash('sha256').update(original.data).digest('hex'),
    width: original.width,
    height: original.height,
  };
}

/** The same strict decoding for every pass over the upload: upright, 8-bit sRGB (one frame: the first, or `page`). */
function decoderFor(input: Buffer, maxPixels: number, page?: number): Sharp {
  return sharp(input, {
    // Pixel flood (CWE-400): refuse on the header's dimensions before allocating.
    limitInputPixels: maxPixels,
    // Refuse truncated or invalid pixel data instead of rendering what was readable.
    failOn: 'error',
    sequentialRead: true,
    autoOrient: true,
    ...(page === undefined ? {} : { page, pages: 1 }),
  }).toColourspace('srgb');
}

/**
 * The chosen later frames of an animation (none for a still), each decoded alone (sharp's page with
 * pages 1) under the same strict options and shrunk to the thumbnail's box: however many frames the
 * file has, at most 3 decodes here. But libvips composites an animation's frames in order, so
 * frame n costs its loader frames 0..n (measured in docs/performance.md): a small file of thousands
 * of frames, or of a few huge easily-compressed ones, would cost seconds (CWE-400). So the frames
 * libvips would composite for them are held to the same pixel limit as one decode of a still; over
 * it, nothing is decoded and the photo is held for a person (fail closed, never published unchecked).
 */
async function decodeLaterFrames(input: Buffer, header: Header, maxPixels: number, size: number): Promise<{ laterFrames: EncodedImage[]; framesUnchecked: boolean }> {
  const later = chooseModeratedFrames(header.pages).slice(1);
  if (compositedPixels(later, header.size.width * header.size.height) > maxPixels) return { laterFrames: [], framesUnchecked: true };
  const laterFrames = await Promise.all(
    later.map((page) =>
      encodePipeline(decoderFor(input, maxPixels, page).resize(size, size, { fit: 'inside', withoutEnlargement: true }), header.alpha, 'jpeg', THUMBNAIL).catch(
        rethrowAsDecodeError,
      ),
    ),
  );
  return { laterFrames, framesUnchecked: false };
}

interface Header {
  readonly decoder: LosslessDecoder;
  readonly compression: string | undefined;
  readonly alpha: boolean;
  readonly orientation: number | undefined;
  readonly exif: Buffer | undefined;
  /** Frames (1 for a still). */
  readonly pages: number;
  /** Upright size. */
  readonly size: { readonly width: number; readonly height: number };
}

async function readHeader(upload: Buffer, maxPixels: number): Promise<Header> {
  restrictImageDecoders();
  try {
    const { format, compression, hasAlpha, orientation, exif, autoOrient, pages } = await sharp(upload, { limitInputPixels: maxPixels, failOn: 'error' }).metadata();
    // Only libvips loaders the upload allow-list admits; anything else (SVG, PDF, TIFF) is never decoded.
    if (!isLosslessDecoder(format)) throw new ImageDecodeError('unsupported', `refusing to decode ${format}`);
    return { decoder: format, compression, alpha: hasAlpha, orientation, exif, pages: pages ?? 1, size: { width: autoOrient.width, height: autoOrient.height } };
  } catch (error) {
    return rethrowAsDecodeError(error);
  }
}

function rethrowAsDecodeError(error: unknown): never {
  throw error instanceof ImageDecodeError ? error : toImageDecodeError(error);
}

/**
 * The display JPEG straight from the upload's decoder (JPEG and WebP shrink while decoding), with no
 * pixels handed to JavaScript; then the thumbnail from that display JPEG, our own file, decoded
 * shrunk on load too. The thumbnail's pixels also make the ThumbHash.
 */
async function makeRenditions(
  decoder: Sharp,
  alpha: boolean,
  displaySize: number,
  thumbnailSize: number,
): Promise<{ display: EncodedImage; thumbnail: EncodedImage; thumbnailPixels: RawImage; thumbhash: string }> {
  const display = await encodePipeline(decoder.resize(displaySize, displaySize, { fit: 'inside', withoutEnlargement: true }), alpha, 'jpeg', DISPLAY).catch(rethrowAsDecodeError);
  const thumbnailPixels = await decodeOwnJpeg(display, thumbnailSize);
  const [thumbnail, thumbhash] = await Promise.all([encodeImage(thumbnailPixels, 'jpeg', THUMBNAIL), createThumbhash(thumbnailPixels)]);
  return { display, thumbnail, thumbnailPixels, thumbhash };
}

/** Pixels of a JPEG this module has just encoded, shrunk to fit a size × size box. */
async function decodeOwnJpeg(image: EncodedImage, size: number): Promise<RawImage> {
  const pipeline = sharp(image.data, { limitInputPixels: image.width * image.height, failOn: 'error' })
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .raw({ depth: 'uchar' });
  const { data, info } = await imageWork(() => pipeline.toBuffer({ resolveWithObject: true }));
  return { data, width: info.width, height: info.height, channels: info.channels };
}

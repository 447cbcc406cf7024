import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { encodeImage, type EncodedImage, type OutputFormat } from './encode.js';
import { ImageDecodeError, toImageDecodeError } from './image-decode-error.js';
import { hasAlpha, resizeRaw, type RawImage } from './raw-image.js';
import { restrictImageDecoders } from './restrict-decoders.js';
import { createThumbhash } from './thumbhash.js';

export interface TransformOptions {
  /** Largest width × height decoded; libvips refuses bigger headers before allocating. */
  maxPixels: number;
  /** Box the thumbnail fits inside (default 256). */
  thumbnailSize?: number;
  /** Box the display image fits inside (default 1440). */
  displaySize?: number;
}

/** The same picture as WebP and as a JPEG fallback for clients without WebP. */
export interface Rendition {
  webp: EncodedImage;
  jpeg: EncodedImage;
}

export interface TransformedImage {
  /** The upload re-encoded from its pixels, upright, with no metadata. */
  original: EncodedImage;
  display: Rendition;
  thumbnail: Rendition;
  /** Base64 ThumbHash placeholder. */
  thumbhash: string;
  /** Hex SHA-256 of `original.data`. */
  contentHash: string;
  width: number;
  height: number;
}

const ORIGINAL_QUALITY = 90;
const DISPLAY_QUALITY = 82;
const THUMBNAIL_QUALITY = 80;

// Only libvips loaders the upload allow-list admits; anything else (SVG, PDF, TIFF) is never decoded.
const DECODERS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif']);

/**
 * Decodes the upload once, fully and strictly, and derives everything from those pixels:
 * the re-encoded original, display and thumbnail renditions, and a ThumbHash. This is the
 * pipeline's only full decode, so it is what refuses truncated and corrupt files: it throws
 * ImageDecodeError ('corrupt', 'too_many_pixels' or 'unsupported').
 */
export async function transformImage(inputPath: string, options: TransformOptions): Promise<TransformedImage> {
  const pixels = await decodeOnce(inputPath, options.maxPixels);
  const format = originalFormatFor(pixels.decoder, hasAlpha(pixels.image));
  const [original, renditions] = await Promise.all([
    encodeImage(pixels.image, format, { quality: ORIGINAL_QUALITY }),
    makeRenditions(pixels.image, options.displaySize ?? 1440, options.thumbnailSize ?? 256),
  ]);
  const { display, thumbnail, thumbhash } = renditions;

  return {
    original,
    display,
    thumbnail,
    thumbhash,
    contentHash: createHash('sha256').update(original.data).digest('hex'),
    width: original.width,
    height: original.height,
  };
}

async function decodeOnce(inputPath: string, maxPixels: number): Promise<{ image: RawImage; decoder: string }> {
  restrictImageDecoders();
  const input = sharp(inputPath, {
    // Pixel flood (CWE-400): refuse on the header's dimensions before allocating.
    limitInputPixels: maxPixels,
    // Refuse truncated or invalid pixel data instead of rendering what was readable.
    failOn: 'error',
    sequentialRead: true,
    autoOrient: true,
  });
  try {
    const { format } = await input.metadata();
    if (!DECODERS.has(format)) throw new ImageDecodeError('unsupported', `refusing to decode ${format}`);
    const { data, info } = await input.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    // Decoding to memory rather than using clone(): sharp's clones share the input bytes, not the
    // decoded pixels, so each clone would parse the hostile file again.
    return { image: { data, width: info.width, height: info.height, channels: info.channels }, decoder: format };
  } catch (error) {
    throw error instanceof ImageDecodeError ? error : toImageDecodeError(error);
  }
}

// Keep the uploader's format family; GIF keeps its first frame as lossless PNG, and HEIF/AVIF
// (which not every browser shows) becomes JPEG, or WebP when it has transparency.
function originalFormatFor(decoder: string, alpha: boolean): OutputFormat {
  switch (decoder) {
    case 'jpeg':
      return 'jpeg';
    case 'webp':
      return 'webp';
    case 'heif':
      return alpha ? 'webp' : 'jpeg';
    default:
      return 'png';
  }
}

// Each step shrinks the previous one, so only the first resize touches the full-size pixels.
async function makeRenditions(
  image: RawImage,
  displaySize: number,
  thumbnailSize: number,
): Promise<{ display: Rendition; thumbnail: Rendition; thumbhash: string }> {
  const displayPixels = await resizeRaw(image, displaySize);
  const thumbnailPixels = await resizeRaw(displayPixels, thumbnailSize);
  const [display, thumbnail, thumbhash] = await Promise.all([
    encodeRendition(displayPixels, DISPLAY_QUALITY),
    encodeRendition(thumbnailPixels, THUMBNAIL_QUALITY),
    createThumbhash(thumbnailPixels),
  ]);
  return { display, thumbnail, thumbhash };
}

async function encodeRendition(image: RawImage, quality: number): Promise<Rendition> {
  const [webp, jpeg] = await Promise.all([encodeImage(image, 'webp', { quality }), encodeImage(image, 'jpeg', { quality })]);
  return { webp, jpeg };
}

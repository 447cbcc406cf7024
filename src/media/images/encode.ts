import type { Sharp } from 'sharp';
import { imageWork } from './image-work.js';
import { hasAlpha, pipelineFrom, type RawImage } from './raw-image.js';

export type OutputFormat = 'jpeg' | 'png' | 'webp';

/** One encoded file; all metadata (EXIF, XMP, IPTC, ICC, comments) is absent by construction. */
export interface EncodedImage {
  data: Buffer;
  format: OutputFormat;
  mime: string;
  width: number;
  height: number;
}

const MIME: Readonly<Record<OutputFormat, string>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

export interface EncodeOptions {
  /** 1-100 for JPEG and WebP; ignored for PNG. */
  quality: number;
  /** WebP CPU effort, 0 (fastest) to 6; default 4, libvips' own. */
  webpEffort?: number;
  /** JPEG Huffman-table optimisation (default false, see below). */
  optimiseCoding?: boolean;
}

/**
 * Encodes decoded pixels. The encoder writes only pixel data: sharp adds metadata only when
 * asked (withMetadata/keepMetadata), which this never does, so GPS, XMP, comments and anything
 * appended to the upload are gone (OWASP File Upload Cheat Sheet: rewrite images).
 */
export async function encodeImage(image: RawImage, format: OutputFormat, options: EncodeOptions): Promise<EncodedImage> {
  return encodePipeline(pipelineFrom(image), hasAlpha(image), format, options);
}

/** Encodes what a sharp pipeline produces (e.g. an upload decoded as it streams through); same rules as encodeImage. */
export async function encodePipeline(input: Sharp, alpha: boolean, format: OutputFormat, options: EncodeOptions): Promise<EncodedImage> {
  let pipeline = input;
  if (format === 'jpeg') {
    // JPEG has no alpha: composite on white rather than letting transparent pixels turn black.
    if (alpha) pipeline = pipeline.flatten({ background: '#ffffff' });
    // No Huffman-table optimisation unless asked: it is a second pass over the whole image that took
    // ~3/4 of the encode time (6 MP at q90: 83 ms → 20 ms here) for files ~10% smaller.
    pipeline = pipeline.jpeg({ quality: options.quality, mozjpeg: false, optimiseCoding: options.optimiseCoding ?? false });
  } else if (format === 'png') {
    pipeline = pipeline.png();
  } else {
    pipeline = pipeline.webp({ quality: options.quality, ...(options.webpEffort === undefined ? {} : { effort: options.webpEffort }) });
  }
  const encoder = pipeline;
  const { data, info } = await imageWork(() => encoder.toBuffer({ resolveWithObject: true }));
  return { data, format, mime: MIME[format], width: info.width, height: info.height };
}

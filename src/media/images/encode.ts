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
}

/**
 * Encodes decoded pixels. The encoder writes only pixel data: sharp adds metadata only when
 * asked (withMetadata/keepMetadata), which this never does, so GPS, XMP, comments and anything
 * appended to the upload are gone (OWASP File Upload Cheat Sheet: rewrite images).
 */
export async function encodeImage(image: RawImage, format: OutputFormat, options: EncodeOptions): Promise<EncodedImage> {
  let pipeline = pipelineFrom(image);
  if (format === 'jpeg') {
    // JPEG has no alpha: composite on white rather than letting transparent pixels turn black.
    if (hasAlpha(image)) pipeline = pipeline.flatten({ background: '#ffffff' });
    pipeline = pipeline.jpeg({ quality: options.quality, mozjpeg: false });
  } else if (format === 'png') {
    pipeline = pipeline.png();
  } else {
    pipeline = pipeline.webp({ quality: options.quality });
  }
  const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
  return { data, format, mime: MIME[format], width: info.width, height: info.height };
}

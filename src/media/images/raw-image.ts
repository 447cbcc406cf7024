import sharp, { type Sharp } from 'sharp';
import { imageWork } from './image-work.js';

/** Decoded 8-bit sRGB(A) pixels: what every output is built from, so the upload is decoded once. */
export interface RawImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
}

export function hasAlpha(image: RawImage): boolean {
  return image.channels === 2 || image.channels === 4;
}

/** A sharp pipeline over already-decoded pixels; nothing untrusted is parsed again. */
export function pipelineFrom(image: RawImage): Sharp {
  return sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
    limitInputPixels: image.width * image.height,
  });
}

/** Shrinks to fit inside a size × size box (never enlarging) and returns the pixels. */
export async function resizeRaw(image: RawImage, size: number): Promise<RawImage> {
  if (image.width <= size && image.height <= size) return image;
  const resizer = pipelineFrom(image).resize(size, size, { fit: 'inside', withoutEnlargement: true }).raw();
  const { data, info } = await imageWork(() => resizer.toBuffer({ resolveWithObject: true }));
  return { data, width: info.width, height: info.height, channels: info.channels };
}

import sharp, { type Sharp } from 'sharp';

/** Decoded 8-bit sRGB(A) pixels (the thumbnail's, for ThumbHash; pixels made elsewhere, for encoding). */
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

import fc from 'fast-check';
import sharp from 'sharp';
import { expect } from 'vitest';
import { ImageDecodeError } from '../../src/media/images/image-decode-error.js';
import { PAYLOAD_MARKER } from './images.js';

/** Upright decoded pixels of every frame, as the pipeline sees them. */
export async function pixels(image: Buffer): Promise<Buffer> {
  return sharp(image, { autoOrient: true, pages: -1 }).raw().toBuffer();
}

export function expectCorrupt(strip: () => Buffer): void {
  let caught: unknown;
  try {
    strip();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ImageDecodeError);
  expect((caught as ImageDecodeError).kind).toBe('corrupt');
}

/** Cuts the file short and changes one byte, many times: the stripper returns a file or refuses it as corrupt. */
export function fuzzStructure(upload: Buffer, strip: (mutated: Buffer) => void): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: upload.length }), fc.integer({ min: 0, max: upload.length - 1 }), fc.integer({ min: 0, max: 255 }), (cut, at, value) => {
      const mutated = Buffer.from(upload.subarray(0, cut));
      if (at < mutated.length) mutated[at] = value;
      try {
        strip(mutated);
      } catch (error) {
        expect(error).toBeInstanceOf(ImageDecodeError);
      }
    }),
    { numRuns: 300 },
  );
}

/** No planted marker, camera name or XMP left in the bytes, and none that sharp can read. */
export async function expectNoMetadata(image: Buffer): Promise<void> {
  expect(image.includes(PAYLOAD_MARKER)).toBe(false);
  expect(image.includes('PhotovaultCam')).toBe(false);
  expect(image.includes('xmpmeta')).toBe(false);
  const metadata = await sharp(image).metadata();
  expect(metadata.xmp).toBeUndefined();
  expect(metadata.iptc).toBeUndefined();
  expect(metadata.comments).toBeUndefined();
}

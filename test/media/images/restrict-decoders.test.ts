import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { restrictImageDecoders } from '../../../src/media/images/restrict-decoders.js';
import { BARE_SVG, makeImage, PDF_DOCUMENT } from '../../support/images.js';

describe('restrictImageDecoders', () => {
  it('leaves the allowed formats decodable and blocks every other libvips loader', async () => {
    const tiff = await makeImage('tiff');
    // Before: libvips happily parses SVG and TIFF from their magic bytes.
    expect((await sharp(Buffer.from(BARE_SVG)).metadata()).format).toBe('svg');
    expect((await sharp(tiff).metadata()).format).toBe('tiff');

    restrictImageDecoders();
    restrictImageDecoders(); // idempotent

    for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif'] as const) {
      await expect(sharp(await makeImage(format)).raw().toBuffer()).resolves.toBeInstanceOf(Buffer);
    }
    await expect(sharp(Buffer.from(BARE_SVG)).metadata()).rejects.toThrow(/unsupported image format/);
    await expect(sharp(tiff).metadata()).rejects.toThrow(/unsupported image format/);
    await expect(sharp(PDF_DOCUMENT).metadata()).rejects.toThrow(/unsupported image format/);
  });
});

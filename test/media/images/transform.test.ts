import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { thumbHashToRGBA } from 'thumbhash';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transformImage } from '../../../src/media/images/transform.js';
import { makeAnimatedGif, makeImage, makeJpegWithMetadata, makePhotoJpeg, makeTempDir, writeFixture } from '../../support/images.js';

const OPTIONS = { maxPixels: 40_000_000 };

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await makeTempDir());
});
afterAll(async () => remove());

describe('transformImage', () => {
  it('makes the original, one JPEG display image and one JPEG thumbnail, a ThumbHash and a content hash', async () => {
    const file = await writeFixture(dir, 'photo.jpg', await makePhotoJpeg(3000, 2000));
    const result = await transformImage(file, OPTIONS);

    expect(result).toMatchObject({ width: 3000, height: 2000 });
    expect(result.original).toMatchObject({ format: 'jpeg', mime: 'image/jpeg', width: 3000, height: 2000 });
    expect(result.display).toMatchObject({ format: 'jpeg', mime: 'image/jpeg', width: 1440, height: 960 });
    expect(result.thumbnail).toMatchObject({ format: 'jpeg', mime: 'image/jpeg', width: 256, height: 171 });
    // The pixels that ThumbHash and the moderation model use are the thumbnail's.
    expect(result.thumbnailPixels).toMatchObject({ width: 256, height: 171, channels: 3 });
    expect(result.contentHash).toBe(createHash('sha256').update(result.original.data).digest('hex'));

    // The outputs are what they claim to be.
    expect((await sharp(result.original.data).metadata()).format).toBe('jpeg');
    expect((await sharp(result.display.data).metadata()).format).toBe('jpeg');
    expect((await sharp(result.thumbnail.data).metadata()).format).toBe('jpeg');

    const placeholder = thumbHashToRGBA(Buffer.from(result.thumbhash, 'base64'));
    expect(placeholder.w).toBeGreaterThan(0);
    expect(Buffer.from(result.thumbhash, 'base64').length).toBeLessThan(40);
  });

  it('never enlarges a small image', async () => {
    const file = await writeFixture(dir, 'small.png', await makeImage('png', { width: 120, height: 90 }));
    const result = await transformImage(file, OPTIONS);
    expect(result.display).toMatchObject({ width: 120, height: 90 });
    expect(result.thumbnail).toMatchObject({ width: 120, height: 90 });
  });

  it('honours custom rendition sizes', async () => {
    const file = await writeFixture(dir, 'sizes.png', await makeImage('png', { width: 400, height: 200 }));
    const result = await transformImage(file, { maxPixels: 1_000_000, displaySize: 300, thumbnailSize: 100 });
    expect(result.display).toMatchObject({ width: 300, height: 150 });
    expect(result.thumbnail).toMatchObject({ width: 100, height: 50 });
  });

  it('turns the renditions upright from the EXIF orientation, and keeps only that orientation on the original', async () => {
    const file = await writeFixture(dir, 'oriented.jpg', await makeJpegWithMetadata(6));
    const result = await transformImage(file, OPTIONS);
    expect(result).toMatchObject({ width: 40, height: 80 });
    expect(result.original).toMatchObject({ width: 40, height: 80 });
    expect(result.display).toMatchObject({ width: 40, height: 80 });
    expect((await sharp(result.display.data).metadata()).orientation).toBeUndefined();
    // The original is not rotated (that would recompress it): a viewer turns it by its orientation.
    const original = await sharp(result.original.data).metadata();
    expect(original).toMatchObject({ orientation: 6, autoOrient: { width: 40, height: 80 } });
  });

  it.each(['jpeg', 'png', 'webp', 'gif'] as const)('keeps a %s original without recompression: its pixels decode identically to the upload’s', async (format) => {
    const upload = await makeImage(format, { width: 120, height: 80 });
    const result = await transformImage(await writeFixture(dir, `lossless.${format}`, upload), OPTIONS);
    expect(result.original.format).toBe(format);
    const decoded = async (image: Buffer) => sharp(image, { autoOrient: true }).raw().toBuffer();
    expect(await decoded(result.original.data)).toEqual(await decoded(upload));
    expect(result.contentHash).toBe(createHash('sha256').update(result.original.data).digest('hex'));
  });

  it('reads the camera, exposure and date taken before the metadata goes, and the location only when asked', async () => {
    const file = await writeFixture(dir, 'facts.jpg', await makeJpegWithMetadata(1));
    const without = await transformImage(file, OPTIONS);
    expect(without.facts).toMatchObject({ cameraMake: 'PhotovaultCam', latitude: null, longitude: null });
    const withLocation = await transformImage(file, { ...OPTIONS, keepLocation: true });
    expect(withLocation.facts.latitude).toBeCloseTo(51.5074, 3);
    expect(withLocation.facts.longitude).toBeCloseTo(-0.1277, 3);
    expect(withLocation.original.data.includes('PhotovaultCam')).toBe(false);
  });

  it('keeps an avif original without recompression, as image/avif', async () => {
    const upload = await makeImage('avif', { width: 120, height: 80 });
    const { original } = await transformImage(await writeFixture(dir, 'lossless.avif', upload), OPTIONS);
    expect(original).toMatchObject({ format: 'avif', mime: 'image/avif', width: 120, height: 80 });
    expect(original.data.length).toBe(upload.length);
    const decoded = async (image: Buffer) => sharp(image, { autoOrient: true }).raw().toBuffer();
    expect(await decoded(original.data)).toEqual(await decoded(upload));
  });

  it('keeps transparency in the original, and puts the JPEG display image on white', async () => {
    const file = await writeFixture(dir, 'alpha.png', await makeImage('png', { width: 64, height: 48, alpha: true }));
    const result = await transformImage(file, OPTIONS);
    expect((await sharp(result.original.data).metadata()).hasAlpha).toBe(true);

    const { data, info } = await sharp(result.display.data).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    const rightEdge = (10 * info.width + info.width - 1) * 3; // a fully transparent pixel in the source
    expect([...data.subarray(rightEdge, rightEdge + 3)].every((value) => value > 240)).toBe(true);
  });

  it.each(['gif', 'webp'] as const)('keeps every frame of an animated %s original, and shows its first frame', async (format) => {
    const gif = await makeAnimatedGif(4);
    const upload = format === 'gif' ? gif : await sharp(gif, { pages: -1 }).webp({ lossless: true }).toBuffer();
    const result = await transformImage(await writeFixture(dir, `anim.${format}`, upload), OPTIONS);
    expect(result.original).toMatchObject({ format, mime: `image/${format}` });
    expect((await sharp(result.original.data).metadata()).pages).toBe(4);
    expect(result).toMatchObject({ width: 40, height: 30 });
    const firstFrame = await sharp(upload).raw().toBuffer();
    // The display image is the first frame (JPEG, so close, not exact): frame 1 is dark blue, frame 2 not.
    const display = await sharp(result.display.data).raw().toBuffer();
    expect(Math.abs((display[0] as number) - (firstFrame[0] as number))).toBeLessThan(8);
    expect((await sharp(result.display.data).metadata()).pages).toBeUndefined();
  });

  it('gives the same content hash for the same upload', async () => {
    const file = await writeFixture(dir, 'same.webp', await makeImage('webp'));
    const [first, second] = await Promise.all([transformImage(file, OPTIONS), transformImage(file, OPTIONS)]);
    expect(first.contentHash).toBe(second.contentHash);
  });
});

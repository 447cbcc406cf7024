import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageDecodeError } from '../../../src/media/images/image-decode-error.js';
import { transformImage, type TransformedImage } from '../../../src/media/images/transform.js';
import {
  makeImage,
  makeJpegHtmlPolyglot,
  makeJpegWithMetadata,
  makeJpegWithPhpPayload,
  makeJpegWithZipPayload,
  makePngDeclaring,
  makePngWithMetadata,
  makeTempDir,
  makeTruncatedJpeg,
  PAYLOAD_MARKER,
  TRAILING_DATA,
  SVG_WITH_SCRIPT,
  writeFixture,
} from '../../support/images.js';

const OPTIONS = { maxPixels: 40_000_000 };

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await makeTempDir());
});
afterAll(async () => remove());

function outputsOf(result: TransformedImage): Buffer[] {
  return [result.original, result.display, result.thumbnail].map((image) => image.data);
}

async function failureOf(name: string, data: Buffer | string, options = OPTIONS): Promise<ImageDecodeError> {
  const file = await writeFixture(dir, name, data);
  const error = await transformImage(file, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ImageDecodeError);
  return error as ImageDecodeError;
}

describe('transformImage with hostile input', () => {
  it.each([
    ['JPEG', 'meta.jpg', makeJpegWithMetadata],
    ['PNG', 'meta.png', makePngWithMetadata],
  ])('strips EXIF (GPS), XMP, comments and text from every output of a %s; only the lossless original keeps its ICC profile', async (_name, name, make) => {
    const source = await make();
    expect(source.includes(PAYLOAD_MARKER)).toBe(true);
    expect((await sharp(source).metadata()).exif).toBeDefined();

    const result = await transformImage(await writeFixture(dir, name, source), OPTIONS);
    for (const output of outputsOf(result)) {
      expect(output.includes(PAYLOAD_MARKER)).toBe(false);
      expect(output.includes('PhotovaultCam')).toBe(false);
      expect(output.includes(TRAILING_DATA)).toBe(false);
      const metadata = await sharp(output).metadata();
      expect(metadata.exif).toBeUndefined();
      expect(metadata.xmp).toBeUndefined();
      expect(metadata.iptc).toBeUndefined();
      expect(metadata.comments).toBeUndefined();
      if (output === result.original.data) expect(metadata.icc).toEqual((await sharp(source).metadata()).icc);
      else expect(metadata.icc).toBeUndefined();
    }
  });

  it.each([
    ['a PHP web shell appended after the JPEG', makeJpegWithPhpPayload, '<?php'],
    ['a ZIP archive appended after the JPEG', makeJpegWithZipPayload, 'PK\x03\x04'],
    ['HTML hidden in a JPEG comment (polyglot)', makeJpegHtmlPolyglot, '<script'],
  ])('drops %s', async (_name, make, marker) => {
    const source = await make();
    expect(source.includes(PAYLOAD_MARKER)).toBe(true);
    const result = await transformImage(await writeFixture(dir, 'payload.jpg', source), OPTIONS);
    for (const output of outputsOf(result)) {
      expect(output.includes(PAYLOAD_MARKER)).toBe(false);
      expect(output.includes(Buffer.from(marker, 'latin1'))).toBe(false);
    }
  });

  it('refuses a truncated JPEG instead of rendering the readable part', async () => {
    expect((await failureOf('truncated.jpg', await makeTruncatedJpeg())).kind).toBe('corrupt');
  });

  it('refuses a pixel flood from the header even when called without validation', async () => {
    expect((await failureOf('bomb.png', makePngDeclaring(20_000, 20_000))).kind).toBe('too_many_pixels');
  });

  it('refuses an image just over the configured limit', async () => {
    const error = await failureOf('limit.png', await makeImage('png', { width: 100, height: 100 }), { maxPixels: 9_999 });
    expect(error.kind).toBe('too_many_pixels');
  });

  it('refuses a PNG whose declared size its data does not fill', async () => {
    expect((await failureOf('short.png', makePngDeclaring(2000, 2000))).kind).toBe('corrupt');
  });

  it('never hands SVG or TIFF to libvips loaders outside the allow-list', async () => {
    expect((await failureOf('script.svg', SVG_WITH_SCRIPT)).kind).toBe('unsupported');
    expect((await failureOf('scan.tiff', await makeImage('tiff'))).kind).toBe('unsupported');
  });

  it('refuses a file that is not an image at all', async () => {
    expect((await failureOf('noise.bin', Buffer.alloc(4096, 0x5a))).kind).toBe('unsupported');
  });

  it('passes through errors that are not about the image', async () => {
    await expect(transformImage(`${dir}/missing.jpg`, OPTIONS)).rejects.not.toBeInstanceOf(ImageDecodeError);
  });
});

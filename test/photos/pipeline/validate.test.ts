import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharpDecodableFormats } from '../../../src/photos/pipeline/sharp-formats.js';
import { PhotoRejectedError, type RejectionReason } from '../../../src/photos/pipeline/rejection.js';
import { validateUpload } from '../../../src/photos/pipeline/validate.js';
import { describeWith } from '../../support/requirements.js';
import {
  BARE_SVG,
  EICAR,
  HTML_PAGE,
  makeAnimatedGif,
  makeHeicBrandedImage,
  makeImage,
  makeJpegHtmlPolyglot,
  makeJpegWithMetadata,
  makePngDeclaring,
  makeTempDir,
  PDF_DOCUMENT,
  PLAIN_TEXT,
  SVG_WITH_SCRIPT,
  writeFixture,
} from '../../support/images.js';

const MAX_PIXELS = 40_000_000;

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await makeTempDir());
});
afterAll(async () => remove());

async function rejection(name: string, data: Buffer | string, options = { maxPixels: MAX_PIXELS }): Promise<PhotoRejectedError> {
  const file = await writeFixture(dir, name, data);
  const error = await validateUpload(file, options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PhotoRejectedError);
  return error as PhotoRejectedError;
}

async function expectRejected(name: string, data: Buffer | string, reason: RejectionReason): Promise<PhotoRejectedError> {
  const error = await rejection(name, data);
  expect(error.reason).toBe(reason);
  return error;
}

describe('validateUpload: accepted images', () => {
  it.each(['jpeg', 'png', 'webp', 'gif', 'avif'] as const)('accepts a %s and reports its type and size', async (format) => {
    const file = await writeFixture(dir, `ok.${format}`, await makeImage(format, { width: 64, height: 48 }));
    const result = await validateUpload(file, { maxPixels: MAX_PIXELS });
    expect(result).toEqual({ format, mime: `image/${format}`, width: 64, height: 48 });
  });

  it('decides the type from the bytes, not the file name', async () => {
    const file = await writeFixture(dir, 'holiday.gif', await makeImage('png'));
    expect((await validateUpload(file, { maxPixels: MAX_PIXELS })).format).toBe('png');
  });

  it('reports dimensions after EXIF orientation', async () => {
    const file = await writeFixture(dir, 'rotated.jpg', await makeJpegWithMetadata(6));
    expect(await validateUpload(file, { maxPixels: MAX_PIXELS })).toMatchObject({ width: 40, height: 80 });
  });

  it('checks one frame of an animation against the pixel limit', async () => {
    const file = await writeFixture(dir, 'anim.gif', await makeAnimatedGif(5, 40, 30));
    expect(await validateUpload(file, { maxPixels: 40 * 30 })).toMatchObject({ format: 'gif', width: 40, height: 30 });
  });
});

describe('validateUpload: hostile and unusable files', () => {
  it('refuses an empty file', async () => {
    const error = await expectRejected('empty.jpg', Buffer.alloc(0), 'empty');
    expect(error.userMessage).toMatch(/empty/i);
  });

  it('refuses SVG, naming it and the accepted formats', async () => {
    const error = await expectRejected('image.png', SVG_WITH_SCRIPT, 'unsupported_type');
    expect(error.userMessage).toBe('SVG files are not accepted. Upload a JPEG, PNG, WebP, GIF or AVIF image.');
    expect((await expectRejected('bare.svg', BARE_SVG, 'unsupported_type')).userMessage).toMatch(/^SVG files/);
  });

  it('refuses HTML disguised as a JPEG', async () => {
    const error = await expectRejected('photo.jpg', HTML_PAGE, 'unsupported_type');
    expect(error.userMessage).toMatch(/^HTML files are not accepted/);
  });

  it('refuses PDF, text and the EICAR test file', async () => {
    expect((await expectRejected('doc.jpg', PDF_DOCUMENT, 'unsupported_type')).userMessage).toMatch(/^PDF documents/);
    expect((await expectRejected('notes.png', PLAIN_TEXT, 'unsupported_type')).userMessage).toMatch(/^Text files/);
    expect((await expectRejected('eicar.jpg', EICAR, 'unsupported_type')).userMessage).toMatch(/not accepted/);
  });

  it('refuses image formats outside the allow-list (TIFF)', async () => {
    const error = await expectRejected('scan.jpg', await makeImage('tiff'), 'unsupported_type');
    expect(error.userMessage).toMatch(/^TIFF images are not accepted/);
  });

  // Through describeWith like every suite that needs something of the machine: a sharp build that
  // can decode HEIC is skipped with the reason locally and fails under CI, never skipped silently.
  describeWith(sharpDecodableFormats().has('heif') ? 'a sharp build without an HEVC decoder (this one decodes HEIC)' : null, 'HEIC without an HEVC decoder', () => {
    it('refuses HEIC, saying so', async () => {
      const error = await expectRejected('IMG_0001.HEIC', await makeHeicBrandedImage(), 'unsupported_type');
      expect(error.userMessage).toBe('HEIC photos are not accepted. Upload a JPEG, PNG, WebP, GIF or AVIF image.');
    });
  });

  it('never echoes the file contents in its message', async () => {
    const error = await expectRejected('x.jpg', `<script>alert("PWNED-IN-MESSAGE")</script>`, 'unsupported_type');
    expect(error.userMessage).not.toContain('PWNED');
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    const bomb = makePngDeclaring(20_000, 20_000);
    expect(bomb.length).toBeLessThan(30_000);
    const error = await expectRejected('bomb.png', bomb, 'too_many_pixels');
    expect(error.userMessage).toBe(
      'This image is 20000 × 20000 pixels, more than the 40 megapixel limit. Resize it and upload it again.',
    );
  });

  it('applies the configured pixel limit exactly', async () => {
    const file = await writeFixture(dir, 'limit.png', await makeImage('png', { width: 100, height: 100 }));
    await expect(validateUpload(file, { maxPixels: 10_000 })).resolves.toMatchObject({ width: 100 });
    await expect(validateUpload(file, { maxPixels: 9_999 })).rejects.toMatchObject({ reason: 'too_many_pixels' });
  });

  it('refuses a file over maxBytes', async () => {
    const file = await writeFixture(dir, 'big.png', await makeImage('png'));
    await expect(validateUpload(file, { maxPixels: MAX_PIXELS, maxBytes: 100 })).rejects.toMatchObject({
      reason: 'too_large',
      userMessage: 'This file is too large. The limit is 100 bytes.',
    });
  });

  it('refuses a file whose magic bytes say JPEG but whose header is garbage', async () => {
    const fake = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 0x41)]);
    await expectRejected('fake.jpg', fake, 'corrupt');
  });

  it('lets a JPEG/HTML polyglot through the type check (the scanner and the re-encode deal with it)', async () => {
    const file = await writeFixture(dir, 'poly.jpg', await makeJpegHtmlPolyglot());
    expect((await validateUpload(file, { maxPixels: MAX_PIXELS })).format).toBe('jpeg');
  });

  it('maps to the error catalog so the HTTP layer shows the safe message', async () => {
    const error = await expectRejected('svg2.svg', BARE_SVG, 'unsupported_type');
    expect(error.status).toBe(415);
    expect(error.detail).toBe(error.userMessage);
  });
});

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREBUILT_SHARP_FORMATS } from '../../../src/photos/pipeline/accepted-formats.js';
import { PhotoRejectedError, type RejectionReason } from '../../../src/photos/pipeline/rejection.js';
import { sharpDecodableFormats } from '../../../src/photos/pipeline/sharp-formats.js';
import type { UploadValidator } from '../../../src/photos/pipeline/upload-checks.js';
import { validateUpload } from '../../../src/photos/pipeline/validate.js';
import { validateUploadHeader } from '../../../src/photos/pipeline/validate-header.js';
import {
  makeAvifDeclaring,
  makeGifDeclaring,
  makeJpegDeclaring,
  makePngHeaderDeclaring,
  makeWebpCanvasDeclaring,
  makeWebpExtendedDeclaring,
  makeWebpLosslessDeclaring,
  makeWebpLossyDeclaring,
  withLargeComment,
  withLargeIccProfile,
  withLargeWebpIcc,
} from '../../support/hostile-headers.js';
import * as images from '../../support/images.js';

// Issue 14 item 5: a web-only instance checks uploads with image-size (validateUploadHeader), a
// process that runs jobs with sharp (validateUpload). One table, run against both: every hostile
// header must get the same outcome, reason and message from each, so which instance took an upload
// never changes what its owner is told.

const MAX_PIXELS = 40_000_000;
const FLOOD = 'pixels, more than the 40 megapixel limit. Resize it and upload it again.';

type Outcome = { readonly accepted: { format: string; width: number; height: number } } | { readonly refused: RejectionReason; readonly message: string | RegExp };

interface Case {
  readonly name: string;
  readonly bytes: () => Promise<Buffer | string> | Buffer | string;
  readonly expected: Outcome;
  readonly maxBytes?: number;
}

const accepted = (format: string, width: number, height: number): Outcome => ({ accepted: { format, width, height } });
const refused = (reason: RejectionReason, message: string | RegExp = /./): Outcome => ({ refused: reason, message });
const flood = (width: number, height: number): Outcome => refused('too_many_pixels', `This image is ${width} × ${height} ${FLOOD}`);
const CORRUPT = 'This image is damaged or incomplete and could not be read. Try exporting it again.';
const prefix = (bytes: Buffer, length: number) => async () => bytes.subarray(0, length);
const png = await images.makeImage('png');
const jpeg = await images.makeImage('jpeg');
const gif = await images.makeImage('gif');
// Past the first 512 KiB, which image-size and (before) the header gate read of a file.
const PAST_HEAD = 640_000;
const insertAfterSoi = (jpegBytes: Buffer, inserted: Buffer) => Buffer.concat([jpegBytes.subarray(0, 2), inserted, jpegBytes.subarray(2)]);

const CASES: readonly Case[] = [
  // Accepted, with the same format and (oriented) size.
  ...(['jpeg', 'png', 'webp', 'gif', 'avif'] as const).map((format) => ({ name: `a plain ${format}`, bytes: () => images.makeImage(format, { width: 64, height: 48 }), expected: accepted(format, 64, 48) })),
  { name: 'a WebP with alpha (VP8X)', bytes: () => images.makeImage('webp', { width: 64, height: 48, alpha: true }), expected: accepted('webp', 64, 48) },
  { name: 'a lossless WebP (VP8L)', bytes: () => makeWebpLosslessDeclaring(64, 48), expected: accepted('webp', 64, 48) },
  { name: 'a JPEG with 0xFF fill bytes before its markers (T.81 B.1.1.2)', bytes: async () => { const plain = await images.makeImage('jpeg', { width: 64, height: 48 }); return Buffer.concat([plain.subarray(0, 2), Buffer.alloc(3, 0xff), plain.subarray(2)]); }, expected: accepted('jpeg', 64, 48) },
  { name: 'a progressive JPEG (SOF2)', bytes: () => makeJpegDeclaring(16, 16, { progressive: true }), expected: accepted('jpeg', 16, 16) },
  { name: 'an animated GIF (one frame counts)', bytes: () => images.makeAnimatedGif(5, 40, 30), expected: accepted('gif', 40, 30) },
  { name: 'a JPEG with EXIF orientation 6 (width and height swap)', bytes: () => images.makeJpegWithMetadata(6), expected: accepted('jpeg', 40, 80) },
  { name: 'a JPEG with EXIF orientation 8 (width and height swap)', bytes: () => images.makeJpegWithMetadata(8), expected: accepted('jpeg', 40, 80) },
  { name: 'a JPEG with EXIF orientation 3 (no swap)', bytes: () => images.makeJpegWithMetadata(3), expected: accepted('jpeg', 80, 40) },
  { name: 'a PNG whose eXIf says orientation 6', bytes: () => images.makePngWithMetadata(6), expected: accepted('png', 30, 60) },
  { name: 'a WebP whose EXIF says orientation 6', bytes: () => sharp({ create: { width: 60, height: 30, channels: 3, background: '#468' } }).withMetadata({ orientation: 6 }).webp().toBuffer(), expected: accepted('webp', 30, 60) },
  { name: 'a JPEG whose ICC profile (640 KB over APP2 segments) puts its frame header past 512 KiB', bytes: async () => withLargeIccProfile(await images.makeImage('jpeg', { width: 64, height: 48 }), PAST_HEAD), expected: accepted('jpeg', 64, 48) },
  // libvips reads the first EXIF APP1 only; the header gate parses that one and skips the rest unparsed.
  { name: 'a JPEG with two EXIF APP1 segments, orientation 6 then 3 (the first one counts)', bytes: async () => withExifSegments(await images.makeJpegWithMetadata(3), await images.makeJpegWithMetadata(6), 1), expected: accepted('jpeg', 40, 80) },
  { name: 'a JPEG with 3,000 EXIF APP1 segments of orientation 6 before one of orientation 3', bytes: async () => withExifSegments(await images.makeJpegWithMetadata(3), await images.makeJpegWithMetadata(6), 3000), expected: accepted('jpeg', 40, 80) },
  { name: 'a JPEG with an EXIF APP1 without orientation before one of orientation 6', bytes: async () => withExifSegments(await images.makeJpegWithMetadata(6), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#468' } }).withExif({ IFD0: { Copyright: 'x' } }).jpeg().toBuffer(), 1), expected: accepted('jpeg', 80, 40) },
  { name: 'a JPEG with an EXIF APP1 of orientation 3 before one of orientation 6', bytes: async () => withExifSegments(await images.makeJpegWithMetadata(6), await images.makeJpegWithMetadata(3), 1), expected: accepted('jpeg', 80, 40) },
  { name: 'a JPEG with 640 KB of comments before its EXIF orientation 6 and its frame header', bytes: async () => withLargeComment(await images.makeJpegWithMetadata(6), PAST_HEAD), expected: accepted('jpeg', 40, 80) },
  { name: 'a JPEG with 1 MB of 0xFF fill bytes before a marker (read across windows)', bytes: async () => insertAfterSoi(await images.makeImage('jpeg', { width: 64, height: 48 }), Buffer.alloc(1_000_000, 0xff)), expected: accepted('jpeg', 64, 48) },
  { name: 'a JPEG with 1 MB of empty four-byte COM segments (read across windows)', bytes: async () => insertAfterSoi(await images.makeImage('jpeg', { width: 64, height: 48 }), Buffer.from('fffe0002'.repeat(250_001), 'hex')), expected: accepted('jpeg', 64, 48) },
  { name: 'a WebP with a 600 KB ICCP chunk before its bitstream', bytes: async () => withLargeWebpIcc(await makeWebpExtendedDeclaring(16, 16), 600_001), expected: accepted('webp', 16, 16) },
  { name: 'a JPEG/HTML polyglot (the scanner and the re-encode deal with its tail)', bytes: images.makeJpegHtmlPolyglot, expected: accepted('jpeg', 64, 48) },

  // Pixel floods: refused from the header, with the declared size in the message.
  { name: 'PNG IHDR declaring 20000 × 20000', bytes: () => images.makePngDeclaring(20_000, 20_000), expected: flood(20_000, 20_000) },
  { name: 'PNG IHDR (valid CRC) declaring 100000 × 1', bytes: () => makePngHeaderDeclaring(100_000, 1_000), expected: flood(100_000, 1_000) },
  { name: 'JPEG SOF0 declaring 65000 × 65000', bytes: () => makeJpegDeclaring(65_000, 65_000), expected: flood(65_000, 65_000) },
  { name: 'JPEG SOF2 (progressive) declaring 10000 × 9000', bytes: () => makeJpegDeclaring(10_000, 9_000, { progressive: true }), expected: flood(10_000, 9_000) },
  { name: 'WebP VP8 declaring 16383 × 16383', bytes: () => makeWebpLossyDeclaring(16_383, 16_383), expected: flood(16_383, 16_383) },
  { name: 'WebP VP8L declaring 16383 × 16383', bytes: () => makeWebpLosslessDeclaring(16_383, 16_383), expected: flood(16_383, 16_383) },
  { name: "WebP VP8L declaring 16384 × 16384 (over libwebp's limit: invalid, not big)", bytes: () => makeWebpLosslessDeclaring(16_384, 16_384), expected: refused('corrupt', CORRUPT) },
  { name: 'JPEG SOF declaring 10000 × 9000 behind a 640 KB ICC profile', bytes: async () => withLargeIccProfile(await makeJpegDeclaring(10_000, 9_000), PAST_HEAD), expected: flood(10_000, 9_000) },
  { name: 'WebP VP8X declaring 16000 × 16000', bytes: () => makeWebpExtendedDeclaring(16_000, 16_000), expected: flood(16_000, 16_000) },
  { name: 'GIF frame declaring 65535 × 65535', bytes: () => makeGifDeclaring([16, 16], [0, 0, 65_535, 65_535]), expected: flood(65_535, 65_535) },
  { name: 'GIF frame placed at 9000, 9000 (the canvas grows to hold it)', bytes: () => makeGifDeclaring([16, 16], [9_000, 9_000, 16, 16]), expected: flood(9_016, 9_016) },
  { name: 'GIF screen and frame declaring 65535 × 65535', bytes: () => makeGifDeclaring([65_535, 65_535], [0, 0, 65_535, 65_535]), expected: flood(65_535, 65_535) },
  { name: 'GIF screen declaring 9000 × 9000 over a 16 × 16 frame (libnsgif drops such a screen)', bytes: () => makeGifDeclaring([9_000, 9_000]), expected: accepted('gif', 16, 16) },
  { name: 'GIF screen declaring 2048 × 2048 over a 16 × 16 frame (kept)', bytes: () => makeGifDeclaring([2_048, 2_048]), expected: accepted('gif', 2_048, 2_048) },
  { name: 'AVIF ispe declaring 8000 × 6000', bytes: () => makeAvifDeclaring(8_000, 6_000), expected: flood(8_000, 6_000) },
  { name: 'AVIF ispe declaring 100000 × 100000', bytes: () => makeAvifDeclaring(100_000, 100_000), expected: flood(100_000, 100_000) },
  { name: 'JPEG arithmetic-coded SOF9 declaring 9000 × 9000', bytes: () => makeJpegDeclaring(9_000, 9_000, { frameMarker: 0xc9 }), expected: flood(9_000, 9_000) },
  { name: 'JPEG lossless SOF3 declaring 9000 × 9000', bytes: () => makeJpegDeclaring(9_000, 9_000, { frameMarker: 0xc3 }), expected: flood(9_000, 9_000) },
  { name: 'JPEG hierarchical SOF5 (libjpeg refuses it)', bytes: () => makeJpegDeclaring(16, 16, { frameMarker: 0xc5 }), expected: refused('corrupt', CORRUPT) },
  { name: 'a flood one pixel over the limit', bytes: () => makePngHeaderDeclaring(40_000_001, 1), expected: flood(40_000_001, 1) },

  // A canvas that is not the bitstream's size: libwebp refuses the file (sharp: corrupt header).
  { name: 'WebP VP8X canvas 32 × 16 over a 16 × 16 bitstream', bytes: () => makeWebpCanvasDeclaring(32, 16), expected: refused('corrupt', CORRUPT) },
  { name: 'WebP VP8X canvas 8 × 8 over a 16 × 16 bitstream', bytes: () => makeWebpCanvasDeclaring(8, 8), expected: refused('corrupt', CORRUPT) },
  { name: 'WebP VP8X canvas 16 × 17 over a 16 × 16 bitstream behind a 600 KB ICCP chunk', bytes: async () => withLargeWebpIcc(await makeWebpCanvasDeclaring(16, 17), 600_000), expected: refused('corrupt', CORRUPT) },
  { name: 'WebP VP8X with no bitstream', bytes: async () => { const webp = await makeWebpExtendedDeclaring(16, 16); const cut = Buffer.from(webp.subarray(0, 30)); cut.writeUInt32LE(22, 4); return cut; }, expected: refused('corrupt', CORRUPT) },

  // Zero dimensions.
  { name: 'PNG declaring 0 × 16', bytes: () => makePngHeaderDeclaring(0, 16), expected: refused('corrupt', CORRUPT) },
  { name: 'JPEG SOF declaring 16 × 0', bytes: () => makeJpegDeclaring(16, 0), expected: refused('corrupt', CORRUPT) },
  { name: 'GIF screen declaring 0 × 0 (the frame decides)', bytes: () => makeGifDeclaring([0, 0]), expected: accepted('gif', 16, 16) },
  { name: 'GIF screen and frame declaring 0 × 0 (libnsgif makes it 1 × 1)', bytes: () => makeGifDeclaring([0, 0], [0, 0, 0, 0]), expected: accepted('gif', 1, 1) },
  { name: 'AVIF ispe declaring 0 × 0', bytes: () => makeAvifDeclaring(0, 0), expected: refused('corrupt', CORRUPT) },

  // Truncated headers.
  { name: 'PNG cut inside IHDR', bytes: prefix(png, 20), expected: refused('corrupt', CORRUPT) },
  { name: 'JPEG cut before its frame header', bytes: prefix(jpeg, 20), expected: refused('corrupt', CORRUPT) },
  { name: 'a JPEG cut before its frame header, past a 640 KB ICC profile', bytes: async () => (await withLargeIccProfile(jpeg, PAST_HEAD)).subarray(0, PAST_HEAD), expected: refused('corrupt', CORRUPT) },
  { name: 'GIF cut inside its screen descriptor', bytes: prefix(gif, 8), expected: refused('corrupt', CORRUPT) },
  { name: 'a JPEG cut in its pixel data (left to the strict decode)', bytes: () => images.makeTruncatedJpeg(0.6), expected: accepted('jpeg', 320, 240) },

  // Polyglots: the sniffer and the header parser must agree.
  { name: 'PNG signature on a JPEG body', bytes: async () => Buffer.concat([png.subarray(0, 8), jpeg]), expected: refused('unsupported_type', /^This file type is not accepted/) },
  { name: 'JPEG SOI on a PNG body', bytes: async () => Buffer.concat([jpeg.subarray(0, 4), png]), expected: refused('corrupt', CORRUPT) },
  { name: 'GIF signature on a PNG body (no frame)', bytes: async () => Buffer.concat([Buffer.from('GIF89a', 'latin1'), png]), expected: refused('corrupt', CORRUPT) },
  { name: 'HEIC brand on an AVIF body', bytes: images.makeHeicBrandedImage, expected: refused('unsupported_type', 'HEIC photos are not accepted. Upload a JPEG, PNG, WebP, GIF or AVIF image.') },

  // Not images, empty, too large.
  { name: 'an empty file', bytes: () => Buffer.alloc(0), expected: refused('empty', 'This file is empty. Choose a photo and upload it again.') },
  { name: 'a file over maxBytes', bytes: () => png, maxBytes: 100, expected: refused('too_large', 'This file is too large. The limit is 100 bytes.') },
  { name: 'SVG', bytes: () => images.BARE_SVG, expected: refused('unsupported_type', 'SVG files are not accepted. Upload a JPEG, PNG, WebP, GIF or AVIF image.') },
  { name: 'HTML', bytes: () => images.HTML_PAGE, expected: refused('unsupported_type', /^HTML files are not accepted/) },
  { name: 'plain text', bytes: () => images.PLAIN_TEXT, expected: refused('unsupported_type', /^Text files are not accepted/) },
  { name: 'the images.EICAR test file', bytes: () => images.EICAR, expected: refused('unsupported_type', /not accepted/) },
  { name: 'TIFF', bytes: () => images.makeImage('tiff'), expected: refused('unsupported_type', /^TIFF images are not accepted/) },
];

const VALIDATORS: ReadonlyArray<readonly [string, UploadValidator]> = [
  ['sharp (where jobs run)', validateUpload],
  ['image-size (web-only instance)', validateUploadHeader],
];

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await images.makeTempDir());
});
afterAll(async () => remove());

async function outcomeOf(validate: UploadValidator, file: string, maxBytes: number | undefined): Promise<Outcome> {
  try {
    const { format, width, height } = await validate(file, { maxPixels: MAX_PIXELS, ...(maxBytes !== undefined ? { maxBytes } : {}) });
    return accepted(format, width, height);
  } catch (error) {
    if (!(error instanceof PhotoRejectedError)) throw error;
    return { refused: error.reason, message: error.userMessage };
  }
}

describe.each(CASES)('$name', ({ name, bytes, expected, maxBytes }) => {
  it('gets the same outcome and message from both validators, the expected one', async () => {
    const file = await images.writeFixture(dir, `${name.replace(/\W+/g, '-')}.bin`, await bytes());
    const [sharpOutcome, headerOutcome] = await Promise.all(VALIDATORS.map(([, validate]) => outcomeOf(validate, file, maxBytes)));
    expect(headerOutcome).toEqual(sharpOutcome);
    if ('accepted' in expected || typeof expected.message === 'string') expect(sharpOutcome).toEqual(expected);
    else expect(sharpOutcome).toMatchObject({ refused: expected.refused, message: expect.stringMatching(expected.message) });
  });
});

describe('decodable formats', () => {
  it("a web-only instance's assumption (sharp's prebuilt decoders) is what the installed sharp decodes", () => {
    expect([...sharpDecodableFormats()].sort()).toEqual([...PREBUILT_SHARP_FORMATS].sort());
  });
});

/** `jpeg` with `count` copies of `donor`'s EXIF APP1 segment inserted right after its SOI (before its own). */
function withExifSegments(jpeg: Buffer, donor: Buffer, count: number): Buffer {
  let at = 2;
  while (!(donor[at] === 0xff && donor[at + 1] === 0xe1)) at += 2 + donor.readUInt16BE(at + 2);
  const app1 = donor.subarray(at, at + 2 + donor.readUInt16BE(at + 2));
  return Buffer.concat([jpeg.subarray(0, 2), ...Array.from({ length: count }, () => app1), jpeg.subarray(2)]);
}

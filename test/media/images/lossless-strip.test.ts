import exifReader from 'exif-reader';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { stripJpeg } from '../../../src/media/images/lossless/strip-jpeg.js';
import { stripPng } from '../../../src/media/images/lossless/strip-png.js';
import {
  insertJpegComment,
  insertJpegSegment,
  makeImage,
  makeJpegHtmlPolyglot,
  makeJpegWithMetadata,
  makeJpegWithPhpPayload,
  makeJpegWithZipPayload,
  makePngWithMetadata,
  makeTruncatedJpeg,
  PAYLOAD_MARKER,
  TRAILING_DATA,
  pngChunk,
} from '../../support/images.js';
import { expectCorrupt, expectNoMetadata, fuzzStructure, pixels } from '../../support/lossless-assertions.js';

/** The bytes from the first SOS marker to the end: scan headers and the entropy-coded data. */
function scanData(jpeg: Buffer): Buffer {
  return jpeg.subarray(jpeg.indexOf(Buffer.from([0xff, 0xda])));
}

function pngChunkTypes(png: Buffer): string[] {
  const types: string[] = [];
  for (let position = 8; position + 8 <= png.length; ) {
    const length = png.readUInt32BE(position);
    types.push(png.toString('latin1', position + 4, position + 8));
    position += 12 + length;
  }
  return types;
}

function idatBytes(png: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let position = 8; position + 8 <= png.length; ) {
    const length = png.readUInt32BE(position);
    if (png.toString('latin1', position + 4, position + 8) === 'IDAT') parts.push(png.subarray(position, position + 12 + length));
    position += 12 + length;
  }
  return Buffer.concat(parts);
}

describe('stripJpeg', () => {
  it('drops EXIF (GPS, camera), XMP and comments, keeps the ICC profile and the orientation, and copies the image data byte for byte', async () => {
    const upload = await makeJpegWithMetadata(6);
    const stripped = stripJpeg(upload, 6);
    await expectNoMetadata(stripped);
    const metadata = await sharp(stripped).metadata();
    expect(metadata.icc).toEqual((await sharp(upload).metadata()).icc);
    expect(metadata.orientation).toBe(6);
    // The only EXIF left is the Orientation: no GPS, no camera, no other IFD.
    const exif = exifReader(metadata.exif as Buffer);
    expect(exif.Image).toEqual({ Orientation: 6 });
    expect(exif.GPSInfo ?? undefined).toBeUndefined();
    expect(exif.Photo ?? undefined).toBeUndefined();
    expect(scanData(stripped)).toEqual(scanData(upload));
    expect(await pixels(stripped)).toEqual(await pixels(upload));
    expect(stripped.length).toBeLessThan(upload.length);
  });

  it('writes no EXIF at all for an upright photo', async () => {
    const stripped = stripJpeg(await makeJpegWithMetadata(1), 1);
    expect((await sharp(stripped).metadata()).exif).toBeUndefined();
    expect(stripped.includes(Buffer.from('Exif\0'))).toBe(false);
  });

  it('keeps a progressive JPEG’s scans and a JFIF header without its thumbnail', async () => {
    const progressive = await sharp(await makeImage('jpeg', { width: 96, height: 64 })).jpeg({ progressive: true }).toBuffer();
    // A JFIF APP0 whose 1 × 1 thumbnail holds the marker in its "pixels".
    const jfif = Buffer.concat([Buffer.from('JFIF\0\x01\x02\x01\x00\x48\x00\x48\x01\x01', 'latin1'), Buffer.from(PAYLOAD_MARKER.slice(0, 3))]);
    const upload = insertJpegSegment(progressive, 0xe0, jfif);
    const stripped = stripJpeg(upload);
    expect(stripped.includes(PAYLOAD_MARKER.slice(0, 3))).toBe(false);
    expect(stripped.subarray(2, 4)).toEqual(Buffer.from([0xff, 0xe0]));
    expect(stripped.readUInt16BE(4)).toBe(16);
    expect(scanData(stripped)).toEqual(scanData(upload));
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it.each([
    ['IPTC (APP13)', (jpeg: Buffer) => insertJpegSegment(jpeg, 0xed, Buffer.from(`Photoshop 3.0\0${PAYLOAD_MARKER}`, 'latin1'))],
    ['an MPF secondary image (APP2)', (jpeg: Buffer) => insertJpegSegment(jpeg, 0xe2, Buffer.from(`MPF\0${PAYLOAD_MARKER}`, 'latin1'))],
    ['maker data (APP15)', (jpeg: Buffer) => insertJpegSegment(jpeg, 0xef, Buffer.from(PAYLOAD_MARKER))],
    ['a comment (COM)', (jpeg: Buffer) => insertJpegComment(jpeg, PAYLOAD_MARKER)],
  ])('drops %s', async (_name, plant) => {
    const upload = plant(await makeImage('jpeg'));
    expect(upload.includes(PAYLOAD_MARKER)).toBe(true);
    const stripped = stripJpeg(upload);
    expect(stripped.includes(PAYLOAD_MARKER)).toBe(false);
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it.each([
    ['a PHP web shell after EOI', makeJpegWithPhpPayload],
    ['a ZIP archive after EOI', makeJpegWithZipPayload],
    ['HTML in a comment (polyglot)', makeJpegHtmlPolyglot],
  ])('drops %s', async (_name, make) => {
    const upload = await make();
    const stripped = stripJpeg(upload);
    expect(stripped.includes(PAYLOAD_MARKER)).toBe(false);
    expect(stripped.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('drops an ICC profile whose chunks do not add up, and still decodes', async () => {
    const bogus = Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 2]), Buffer.from(PAYLOAD_MARKER)]);
    const stripped = stripJpeg(insertJpegSegment(await makeImage('jpeg'), 0xe2, bogus));
    expect(stripped.includes(PAYLOAD_MARKER)).toBe(false);
    expect((await sharp(stripped).metadata()).icc).toBeUndefined();
  });

  describe('refuses malformed structure as corrupt', () => {
    it('no start-of-image marker', () => expectCorrupt(() => stripJpeg(Buffer.from('GIF89a not a jpeg'))));
    it('truncated inside the image data', async () => {
      const truncated = await makeTruncatedJpeg(0.6);
      expectCorrupt(() => stripJpeg(truncated));
    });
    it('truncated inside a segment header', async () => {
      const jpeg = await makeImage('jpeg');
      expectCorrupt(() => stripJpeg(jpeg.subarray(0, 5)));
    });
    it('a segment length running past the end of the file', async () => {
      const jpeg = insertJpegComment(await makeImage('jpeg'), 'x');
      jpeg.writeUInt16BE(0xffff, 4);
      expectCorrupt(() => stripJpeg(jpeg.subarray(0, 2000)));
    });
    it('a segment length below 2', async () => {
      const jpeg = insertJpegComment(await makeImage('jpeg'), 'x');
      jpeg.writeUInt16BE(1, 4);
      expectCorrupt(() => stripJpeg(jpeg));
    });
    it('garbage where a marker should be', async () => {
      const jpeg = await makeImage('jpeg');
      expectCorrupt(() => stripJpeg(Buffer.concat([jpeg.subarray(0, 2), Buffer.from('garbage'), jpeg.subarray(2)])));
    });
    it('a scan before any frame header', () => expectCorrupt(() => stripJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2, 1, 2, 3, 0xff, 0xd9]))));
    it('no scan at all', () => expectCorrupt(() => stripJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))));
    it('a huge number of segments', async () => {
      const jpeg = await makeImage('jpeg');
      const comments = Buffer.concat(Array.from({ length: 5000 }, () => Buffer.from([0xff, 0xfe, 0, 2])));
      expectCorrupt(() => stripJpeg(Buffer.concat([jpeg.subarray(0, 2), comments, jpeg.subarray(2)])));
    });
  });

  it('never throws anything but ImageDecodeError on cut or corrupted files', async () => {
    fuzzStructure(await makeJpegWithMetadata(3), (mutated) => expect(stripJpeg(mutated, 3).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8])));
  });
});

describe('stripPng', () => {
  it('drops text, EXIF, time, private chunks and data after IEND; keeps colour, density and IDAT byte for byte', async () => {
    const upload = await makePngWithMetadata();
    const stripped = stripPng(upload);
    await expectNoMetadata(stripped);
    expect(stripped.includes(TRAILING_DATA)).toBe(false);
    expect(pngChunkTypes(stripped)).toEqual(['IHDR', 'iCCP', 'pHYs', 'IDAT', 'IEND']);
    expect(idatBytes(stripped)).toEqual(idatBytes(upload));
    const metadata = await sharp(stripped).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(metadata.icc).toEqual((await sharp(upload).metadata()).icc);
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('keeps the orientation as an eXIf chunk holding only it, and the density', async () => {
    const upload = await makePngWithMetadata(6);
    const stripped = stripPng(upload, 6);
    expect(stripped.includes(PAYLOAD_MARKER)).toBe(false);
    expect(pngChunkTypes(stripped)).toEqual(['IHDR', 'iCCP', 'pHYs', 'eXIf', 'IDAT', 'IEND']);
    const metadata = await sharp(stripped).metadata();
    expect(metadata).toMatchObject({ orientation: 6, density: 300, autoOrient: { width: 30, height: 60 } });
    expect(exifReader(metadata.exif as Buffer).Image).toEqual({ Orientation: 6 });
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  describe('refuses malformed structure as corrupt', () => {
    const base = () => makeImage('png');
    it('no PNG signature', () => expectCorrupt(() => stripPng(Buffer.from('\x89PNX\r\n\x1a\n', 'latin1'))));
    it('a chunk length running past the end of the file', async () => {
      const png = Buffer.from(await base());
      png.writeUInt32BE(0x7ffffff0, 33);
      expectCorrupt(() => stripPng(png));
    });
    it('a chunk length over 2^31 - 1', async () => {
      const png = Buffer.from(await base());
      png.writeUInt32BE(0xfffffff0, 33);
      expectCorrupt(() => stripPng(png));
    });
    it('a bad CRC on image data', async () => {
      const png = Buffer.from(await base());
      const idat = png.indexOf('IDAT');
      png[idat + 6] = (png[idat + 6] as number) ^ 0xff;
      expectCorrupt(() => stripPng(png));
    });
    it('IHDR not first', async () => {
      const png = await base();
      expectCorrupt(() => stripPng(Buffer.concat([png.subarray(0, 8), pngChunk('gAMA', Buffer.alloc(4)), png.subarray(8)])));
    });
    it('an unknown critical chunk', async () => {
      const png = await base();
      expectCorrupt(() => stripPng(Buffer.concat([png.subarray(0, 33), pngChunk('EVIL', Buffer.from('x')), png.subarray(33)])));
    });
    it('no IEND', async () => {
      const png = await base();
      expectCorrupt(() => stripPng(png.subarray(0, png.length - 12)));
    });
    it('no image data', async () => {
      const png = await base();
      expectCorrupt(() => stripPng(Buffer.concat([png.subarray(0, 33), pngChunk('IEND', Buffer.alloc(0))])));
    });
    it('a huge number of chunks', async () => {
      const png = await base();
      const empty = pngChunk('teXt', Buffer.alloc(0));
      expectCorrupt(() => stripPng(Buffer.concat([png.subarray(0, 33), Buffer.concat(Array.from({ length: 70_000 }, () => empty)), png.subarray(33)])));
    });
  });

  it('never throws anything but ImageDecodeError on cut or corrupted files', async () => {
    fuzzStructure(await makePngWithMetadata(6), (mutated) => expect(pngChunkTypes(stripPng(mutated, 6)).at(-1)).toBe('IEND'));
  });
});

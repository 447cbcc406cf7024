import exifReader from 'exif-reader';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { stripWebp } from '../../../src/media/images/lossless/strip-webp.js';
import { makeImage, PAYLOAD_MARKER, TRAILING_DATA } from '../../support/images.js';
import { expectCorrupt, expectNoMetadata, fuzzStructure, pixels } from '../../support/lossless-assertions.js';
import { makeAnimatedWebpWithMetadata, makeWebpWithMetadata, webpChunk, webpChunks, webpOf } from '../../support/lossless-fixtures.js';

function types(webp: Buffer): string[] {
  return webpChunks(webp).map((chunk) => chunk.type);
}

function bytesOf(webp: Buffer, type: string): Buffer[] {
  return webpChunks(webp)
    .filter((chunk) => chunk.type === type)
    .map((chunk) => chunk.bytes);
}

describe('stripWebp', () => {
  it('drops EXIF (GPS, camera), XMP, private chunks and the trailer; keeps the ICC profile, the orientation and the bitstream byte for byte', async () => {
    const upload = await makeWebpWithMetadata(6);
    expect(upload.includes(PAYLOAD_MARKER)).toBe(true);
    const stripped = stripWebp(upload, 6);
    await expectNoMetadata(stripped);
    expect(stripped.includes(TRAILING_DATA)).toBe(false);
    expect(stripped.includes('<?php')).toBe(false);
    expect(types(stripped)).toEqual(['VP8X', 'ICCP', 'VP8 ', 'EXIF']);
    expect(bytesOf(stripped, 'VP8 ')).toEqual(bytesOf(upload, 'VP8 '));
    // VP8X flags: ICC and EXIF (the orientation) only; the RIFF size is the file's.
    expect(stripped[20]).toBe(0x28);
    expect(stripped.readUInt32LE(4)).toBe(stripped.length - 8);
    const metadata = await sharp(stripped).metadata();
    expect(metadata.icc).toEqual((await sharp(upload).metadata()).icc);
    expect(metadata).toMatchObject({ format: 'webp', orientation: 6, autoOrient: { width: 30, height: 60 } });
    // The only EXIF left is the Orientation: no GPS, no camera.
    const exif = exifReader(metadata.exif as Buffer);
    expect(exif.Image).toEqual({ Orientation: 6 });
    expect(exif.GPSInfo ?? undefined).toBeUndefined();
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('writes no EXIF at all for an upright photo, and keeps lossless (VP8L) data with its alpha', async () => {
    const upload = await makeWebpWithMetadata(1, { lossless: true, alpha: true });
    const stripped = stripWebp(upload, 1);
    await expectNoMetadata(stripped);
    expect(types(stripped)).toEqual(['VP8X', 'ICCP', 'VP8L']);
    expect(stripped[20]).toBe(0x30);
    expect(bytesOf(stripped, 'VP8L')).toEqual(bytesOf(upload, 'VP8L'));
    const metadata = await sharp(stripped).metadata();
    expect(metadata.exif).toBeUndefined();
    expect(metadata.hasAlpha).toBe(true);
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('keeps a lossy image with alpha (ALPH) byte for byte', async () => {
    const upload = await makeWebpWithMetadata(1, { alpha: true });
    const stripped = stripWebp(upload);
    expect(types(stripped)).toEqual(['VP8X', 'ICCP', 'ALPH', 'VP8 ']);
    expect(bytesOf(stripped, 'ALPH')).toEqual(bytesOf(upload, 'ALPH'));
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('keeps every frame of an animation and its timing, dropping EXIF, XMP and a private chunk inside a frame', async () => {
    const upload = await makeAnimatedWebpWithMetadata(3);
    expect((await sharp(upload).metadata()).exif).toBeDefined();
    expect(upload.includes(PAYLOAD_MARKER)).toBe(true);
    const stripped = stripWebp(upload);
    await expectNoMetadata(stripped);
    expect(stripped.includes(TRAILING_DATA)).toBe(false);
    expect(types(stripped)).toEqual(['VP8X', 'ANIM', 'ANMF', 'ANMF', 'ANMF']);
    expect(stripped[20]).toBe(0x02);
    const [before, after] = await Promise.all([sharp(upload, { pages: -1 }).metadata(), sharp(stripped, { pages: -1 }).metadata()]);
    expect(after).toMatchObject({ pages: 3, loop: before.loop, delay: before.delay });
    expect(after.exif).toBeUndefined();
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('returns a simple file unchanged, without the bytes after its RIFF end', async () => {
    const simple = await makeImage('webp');
    const stripped = stripWebp(Buffer.concat([simple, Buffer.from(`PK\x03\x04${PAYLOAD_MARKER}`, 'latin1')]));
    expect(stripped).toEqual(simple);
  });

  it('drops an ICC profile that is not well formed and clears its flag', async () => {
    const upload = await makeWebpWithMetadata(1);
    const chunks = webpChunks(upload).map(({ type, bytes }) => (type === 'ICCP' ? webpChunk('ICCP', Buffer.from(PAYLOAD_MARKER)) : bytes));
    const stripped = stripWebp(webpOf(chunks));
    expect(stripped.includes(PAYLOAD_MARKER)).toBe(false);
    expect(types(stripped)).toEqual(['VP8X', 'VP8 ']);
    expect(stripped[20]).toBe(0);
    expect((await sharp(stripped).metadata()).icc).toBeUndefined();
  });

  describe('writes reserved bits and padding bytes as zeros (no covert channel), decoding the same pixels', () => {
    const SECRET = 0xa5;
    /** Sets the padding byte of every odd-sized chunk (inside ANMF frames too) to SECRET; returns how many. */
    const fillPadding = (webp: Buffer, from = 12, end = webp.length): number => {
      let filled = 0;
      for (let position = from; position + 8 <= end; ) {
        const size = webp.readUInt32LE(position + 4);
        const type = webp.toString('latin1', position, position + 4);
        if (type === 'ANMF') filled += fillPadding(webp, position + 8 + 16, position + 8 + size);
        if (size & 1) [webp[position + 8 + size], filled] = [SECRET, filled + 1];
        position += 8 + size + (size & 1);
      }
      return filled;
    };
    const paddingBytes = (webp: Buffer, from = 12, end = webp.length): number[] => {
      const found: number[] = [];
      for (let position = from; position + 8 <= end; ) {
        const size = webp.readUInt32LE(position + 4);
        if (webp.toString('latin1', position, position + 4) === 'ANMF') found.push(...paddingBytes(webp, position + 8 + 16, position + 8 + size));
        if (size & 1) found.push(webp[position + 8 + size]!);
        position += 8 + size + (size & 1);
      }
      return found;
    };
    /** A lossless still with alpha whose VP8L chunk has an odd size (so it has a padding byte). */
    const oddStill = async (): Promise<Buffer> => {
      for (let width = 60; width < 90; width++) {
        const webp = Buffer.from(await sharp(await makeImage('png', { width, height: 30, alpha: true })).withIccProfile('p3').webp({ lossless: true }).toBuffer());
        if (webpChunks(webp).some((chunk) => chunk.type === 'VP8L' && chunk.bytes.readUInt32LE(4) % 2 === 1)) return webp;
      }
      throw new Error('no odd-sized VP8L chunk');
    };

    it('a still: the three VP8X reserved bytes, the padding byte after an odd-sized bitstream', async () => {
      const upload = await oddStill();
      expect(fillPadding(upload)).toBeGreaterThan(0);
      // (libwebp refuses a file with the flags byte's reserved bits set; these bytes it ignores.)
      upload.write('PV!', 21, 'latin1');
      const stripped = stripWebp(upload);
      expect([...stripped.subarray(21, 24)]).toEqual([0, 0, 0]);
      const padding = paddingBytes(stripped);
      expect(padding.length).toBeGreaterThan(0);
      expect(padding.every((byte) => byte === 0)).toBe(true);
      expect(await pixels(stripped)).toEqual(await pixels(upload));
    });

    it('a simple file: its padding byte', async () => {
      for (let width = 16; width < 40; width++) {
        const upload = Buffer.from(await sharp(await makeImage('png', { width, height: 16 })).webp({ lossless: true }).toBuffer());
        if (fillPadding(upload) === 0) continue;
        const stripped = stripWebp(upload);
        expect(paddingBytes(stripped)).toEqual([0]);
        expect(await pixels(stripped)).toEqual(await pixels(upload));
        return;
      }
      throw new Error('no odd-sized simple WebP');
    });

    it("an animation: each frame's reserved bits beside its blending and disposal methods, padding inside frames", async () => {
      const upload = Buffer.from(await makeAnimatedWebpWithMetadata());
      const frames = webpChunks(upload).filter((chunk) => chunk.type === 'ANMF');
      const methods = frames.map((frame) => frame.bytes[8 + 15]!);
      for (const frame of frames) frame.bytes[8 + 15] = frame.bytes[8 + 15]! | 0xfc;
      fillPadding(upload);
      const stripped = stripWebp(upload);
      const strippedFrames = webpChunks(stripped).filter((chunk) => chunk.type === 'ANMF');
      expect(strippedFrames.map((frame) => frame.bytes[8 + 15])).toEqual(methods);
      expect(paddingBytes(stripped).every((byte) => byte === 0)).toBe(true);
      expect(await pixels(stripped)).toEqual(await pixels(upload));
    });
  });

  describe('refuses malformed structure as corrupt', () => {
    const extended = () => makeWebpWithMetadata(1);
    const chunksOf = async () => webpChunks(await extended()).map((chunk) => chunk.bytes);
    it('no RIFF/WEBP header', () => expectCorrupt(() => stripWebp(Buffer.from('RIFF\x04\0\0\0WEBX', 'latin1'))));
    it('truncated inside a chunk', async () => {
      const webp = await extended();
      expectCorrupt(() => stripWebp(webp.subarray(0, 200)));
    });
    it('a RIFF size past the end of the file', async () => {
      const webp = Buffer.from(await makeImage('webp'));
      webp.writeUInt32LE(0xfffffff0, 4);
      expectCorrupt(() => stripWebp(webp));
    });
    it('a huge declared chunk size', async () => {
      const webp = Buffer.from(await extended());
      webp.writeUInt32LE(0xfffffff0, 16);
      expectCorrupt(() => stripWebp(webp));
    });
    it('no chunks', () => expectCorrupt(() => stripWebp(webpOf([]))));
    it('VP8X twice', async () => {
      const [vp8x, ...rest] = await chunksOf();
      expectCorrupt(() => stripWebp(webpOf([vp8x as Buffer, vp8x as Buffer, ...rest])));
    });
    it('ICCP twice', async () => {
      const chunks = await chunksOf();
      expectCorrupt(() => stripWebp(webpOf([chunks[0] as Buffer, chunks[1] as Buffer, ...chunks.slice(1)])));
    });
    it('no image data', async () => {
      const chunks = (await chunksOf()).filter((chunk) => chunk.toString('latin1', 0, 4) !== 'VP8 ');
      expectCorrupt(() => stripWebp(webpOf(chunks)));
    });
    it('two bitstreams in a still image', async () => {
      const chunks = await chunksOf();
      const vp8 = chunks.find((chunk) => chunk.toString('latin1', 0, 4) === 'VP8 ') as Buffer;
      expectCorrupt(() => stripWebp(webpOf([...chunks, vp8])));
    });
    it('a simple file with a second chunk hiding after it', async () => {
      const simple = await makeImage('webp');
      expectCorrupt(() => stripWebp(webpOf([...webpChunks(simple).map((chunk) => chunk.bytes), webpChunk('EXIF', Buffer.from(PAYLOAD_MARKER))])));
    });
    it('a frame in a still image (no animation flag)', async () => {
      const chunks = await chunksOf();
      expectCorrupt(() => stripWebp(webpOf([...chunks, webpChunk('ANMF', Buffer.alloc(16))])));
    });
    it('an animation frame with two bitstreams nested inside it', async () => {
      const animated = await makeAnimatedWebpWithMetadata(2);
      const chunks = webpChunks(animated).map(({ type, bytes }) => {
        if (type !== 'ANMF') return bytes;
        const vp8 = webpChunks(webpOf([bytes.subarray(24)])).find((chunk) => chunk.type.startsWith('VP8'))?.bytes as Buffer;
        return webpChunk('ANMF', Buffer.concat([bytes.subarray(8), vp8]));
      });
      expectCorrupt(() => stripWebp(webpOf(chunks)));
    });
    it('an animation without frames', async () => {
      const animated = await makeAnimatedWebpWithMetadata(2);
      expectCorrupt(() => stripWebp(webpOf(webpChunks(animated).filter((chunk) => chunk.type !== 'ANMF').map((chunk) => chunk.bytes))));
    });
    it('a huge number of chunks', async () => {
      const [vp8x, ...rest] = await chunksOf();
      const empty = webpChunk('prVt', Buffer.alloc(0));
      expectCorrupt(() => stripWebp(webpOf([vp8x as Buffer, ...Array.from({ length: 70_000 }, () => empty), ...rest])));
    });
  });

  it('never throws anything but ImageDecodeError on cut or corrupted files', async () => {
    fuzzStructure(await makeWebpWithMetadata(6), (mutated) => expect(stripWebp(mutated, 6).toString('latin1', 8, 12)).toBe('WEBP'));
    fuzzStructure(await makeAnimatedWebpWithMetadata(2), (mutated) => expect(stripWebp(mutated).toString('latin1', 8, 12)).toBe('WEBP'));
  });
});

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { stripGif } from '../../../src/media/images/lossless/strip-gif.js';
import { makeAnimatedGif, makeImage, PAYLOAD_MARKER, TRAILING_DATA } from '../../support/images.js';
import { expectCorrupt, expectNoMetadata, fuzzStructure, pixels } from '../../support/lossless-assertions.js';
import { gifBlocksStart, gifExtension, makeGifWithMetadata } from '../../support/lossless-fixtures.js';

/** Every frame's image descriptor, colour table and LZW data, in order. */
function frames(gif: Buffer): Buffer[] {
  const found: Buffer[] = [];
  let position = gifBlocksStart(gif);
  while (gif[position] !== 0x3b) {
    const start = position;
    if (gif[position] === 0x2c) {
      const packed = gif[position + 9] as number;
      position += 11 + ((packed & 0x80) === 0 ? 0 : 3 * 2 ** ((packed & 0x07) + 1));
    } else {
      position += 2;
    }
    while (gif[position] !== 0) position += 1 + (gif[position] as number);
    position++;
    if (gif[start] === 0x2c) found.push(gif.subarray(start, position));
  }
  return found;
}

describe('stripGif', () => {
  it('drops comments, XMP, plain text, private extensions and the trailer; keeps every frame byte for byte, the timing and the loop', async () => {
    const upload = await makeGifWithMetadata(3);
    expect(upload.includes(PAYLOAD_MARKER)).toBe(true);
    const stripped = stripGif(upload);
    await expectNoMetadata(stripped);
    expect(stripped.includes(TRAILING_DATA)).toBe(false);
    expect(stripped.includes('<?php')).toBe(false);
    expect(stripped.includes('XMP Data')).toBe(false);
    expect(stripped.includes('GPS')).toBe(false);
    expect(stripped.at(-1)).toBe(0x3b);
    expect(frames(stripped)).toEqual(frames(upload));
    const [before, after] = await Promise.all([sharp(upload, { pages: -1 }).metadata(), sharp(stripped, { pages: -1 }).metadata()]);
    expect(after).toMatchObject({ format: 'gif', pages: 3, loop: before.loop, delay: before.delay });
    expect(await pixels(stripped)).toEqual(await pixels(upload));
  });

  it('keeps a loop count and transparency (graphic control), and returns a clean GIF unchanged', async () => {
    const gif = await sharp(await makeAnimatedGif(2), { pages: -1 }).gif({ loop: 3 }).toBuffer();
    expect(stripGif(gif)).toEqual(gif);
    const transparent = await makeImage('gif', { alpha: true });
    expect(stripGif(transparent)).toEqual(transparent);
    expect((await sharp(stripGif(transparent)).metadata()).hasAlpha).toBe(true);
    expect((await sharp(stripGif(gif)).metadata()).loop).toBe(3);
  });

  it('keeps a GIF87a file as it is', async () => {
    const gif = Buffer.from(await makeImage('gif'));
    gif.write('GIF87a', 0, 'latin1');
    const start = gifBlocksStart(gif);
    const plain = Buffer.concat([gif.subarray(0, start), ...frames(gif), Buffer.from([0x3b])]);
    expect(stripGif(plain)).toEqual(plain);
  });

  describe('refuses malformed structure as corrupt', () => {
    const base = () => makeImage('gif');
    const withBlocks = async (...blocks: Buffer[]) => {
      const gif = await base();
      const start = gifBlocksStart(gif);
      return Buffer.concat([gif.subarray(0, start), ...blocks, gif.subarray(start)]);
    };
    it('no GIF header', () => expectCorrupt(() => stripGif(Buffer.from('GIF90a\0\0\0\0\0\0\0', 'latin1'))));
    it('a global colour table past the end', async () => {
      const gif = await base();
      expectCorrupt(() => stripGif(gif.subarray(0, 20)));
    });
    it('truncated inside the image data', async () => {
      const gif = await base();
      expectCorrupt(() => stripGif(gif.subarray(0, gif.length - 10)));
    });
    it('no trailer', async () => {
      const gif = await base();
      expectCorrupt(() => stripGif(gif.subarray(0, gif.length - 1)));
    });
    it('no frame', async () => {
      const gif = await base();
      expectCorrupt(() => stripGif(Buffer.concat([gif.subarray(0, gifBlocksStart(gif)), Buffer.from([0x3b])])));
    });
    it('a sub-block length past the end', async () => {
      const gif = await withBlocks(Buffer.from([0x21, 0xfe, 0xff, 0x41]));
      expectCorrupt(() => stripGif(gif.subarray(0, gifBlocksStart(gif) + 4)));
    });
    it('a graphic control extension that is not 4 bytes', async () => expectCorrupt(stripGifOf(await withBlocks(gifExtension(0xf9, Buffer.from(PAYLOAD_MARKER))))));
    it('garbage between blocks', async () => expectCorrupt(stripGifOf(await withBlocks(Buffer.from('garbage')))));
    it('a huge number of blocks', async () => {
      const comments = Buffer.concat(Array.from({ length: 140_000 }, () => Buffer.from([0x21, 0xfe, 0x00])));
      expectCorrupt(stripGifOf(await withBlocks(comments)));
    });
  });

  it('never throws anything but ImageDecodeError on cut or corrupted files', async () => {
    fuzzStructure(await makeGifWithMetadata(2), (mutated) => expect(stripGif(mutated).at(-1)).toBe(0x3b));
  });
});

function stripGifOf(gif: Buffer): () => Buffer {
  return () => stripGif(gif);
}

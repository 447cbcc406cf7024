import { describe, expect, it } from 'vitest';
import { endOfGifSubBlocks, gifColourTableBytes } from '../../../src/media/images/gif-blocks.js';
import { gifCanvas } from '../../../src/photos/pipeline/header-quirks.js';
import { stripGif } from '../../../src/media/images/lossless/strip-gif.js';
import { makeAnimatedGif } from '../../support/images.js';
import { expectCorrupt } from '../../support/lossless-assertions.js';

describe('gifColourTableBytes', () => {
  it.each([
    [0x00, 0],
    [0x07, 0], // a size without the table flag: no table
    [0x80, 6],
    [0x81, 12],
    [0x87, 768],
    [0xf7, 768], // other flag bits do not count
  ])('packed 0x%s -> %i bytes', (packed, bytes) => expect(gifColourTableBytes(packed)).toBe(bytes));
});

describe('endOfGifSubBlocks', () => {
  const bytes = (...values: number[]) => Buffer.from(values);
  it('ends just past the zero-length terminator', () => {
    expect(endOfGifSubBlocks(bytes(0), 0)).toBe(1);
    expect(endOfGifSubBlocks(bytes(3, 1, 2, 3, 0, 0x3b), 0)).toBe(5);
    expect(endOfGifSubBlocks(bytes(0x21, 0xfe, 2, 0, 0, 0, 0x3b), 2)).toBe(6); // a terminator-looking byte inside a block is data
  });
  it.each([
    ['an empty buffer', bytes(), 0],
    ['a start past the end', bytes(0), 1],
    ['a block longer than what is left', bytes(3, 1, 2), 0],
    ['no terminator', bytes(1, 9, 1, 9), 0],
    ['a 255-byte block at the very end', bytes(255), 0],
  ])('undefined for %s', (_name, input, start) => expect(endOfGifSubBlocks(input, start)).toBeUndefined());
});

describe('the upload gate and the stripper walk GIF blocks alike', () => {
  it('both read every frame of an animation; a run cut at the end is malformed to the stripper and ends the gate’s walk', async () => {
    const gif = await makeAnimatedGif(3, 40, 30);
    expect(gifCanvas(gif)).toEqual({ width: 40, height: 30 });
    expect(stripGif(gif).length).toBeGreaterThan(0);
    const cut = gif.subarray(0, gif.length - 3);
    expectCorrupt(() => stripGif(cut));
    expect(gifCanvas(cut)).toEqual({ width: 40, height: 30 });
  });
});

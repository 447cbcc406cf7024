import sharp, { type SharpOptions } from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { chooseModeratedFrames, compositedPixels } from '../../../src/media/images/animation-frames.js';
import { transformImage } from '../../../src/media/images/transform.js';
import { makeAnimatedGif, makeImage, makeTempDir, writeFixture } from '../../support/images.js';

// Every sharp() the transform opens, with its options: which frames it decodes is what is tested.
const opened = vi.hoisted(() => [] as (SharpOptions | undefined)[]);
vi.mock('sharp', async (importOriginal) => {
  const real = (await importOriginal<typeof import('sharp')>()).default;
  const counting = (...args: Parameters<typeof real>) => {
    opened.push(args.find((arg): arg is SharpOptions => typeof arg === 'object' && arg !== null && !Buffer.isBuffer(arg) && !Array.isArray(arg)));
    return real(...args);
  };
  return { default: Object.assign(counting, real) };
});

const OPTIONS = { maxPixels: 40_000_000 };
let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  temp = await makeTempDir();
});
afterAll(() => temp.remove());
beforeEach(() => {
  opened.length = 0;
});
const fixture = (name: string, data: Buffer) => writeFixture(temp.dir, name, data);

/** Offset of frame `index`'s LZW minimum code size in a GIF from makeAnimatedGif: after its image descriptor's 10 bytes and local colour table. */
function lzwStart(gif: Buffer, index: number): number {
  const descriptor = [...gif.keys()].filter((i) => i > 13 && gif[i] === 0x2c && gif[i - 1] === 0x00)[index]!;
  const packed = gif[descriptor + 9]!;
  return descriptor + 10 + ((packed & 0x80) === 0 ? 0 : 3 * 2 ** ((packed & 7) + 1));
}

const pagesDecoded = () => opened.filter((options) => options?.page !== undefined).map((options) => [options?.page, options?.pages]);

describe('chooseModeratedFrames', () => {
  it('spreads up to 4 frames from the first to the last, without repeats, the same every time', () => {
    expect(chooseModeratedFrames(1)).toEqual([0]);
    expect(chooseModeratedFrames(2)).toEqual([0, 1]);
    expect(chooseModeratedFrames(3)).toEqual([0, 1, 2]);
    expect(chooseModeratedFrames(4)).toEqual([0, 1, 2, 3]);
    expect(chooseModeratedFrames(7)).toEqual([0, 2, 4, 6]);
    expect(chooseModeratedFrames(10_000)).toEqual([0, 3333, 6666, 9999]);
    for (let pages = 1; pages <= 200; pages++) {
      const chosen = chooseModeratedFrames(pages);
      expect(new Set(chosen).size).toBe(chosen.length);
      expect(chosen[0]).toBe(0);
      expect(chosen.at(-1)).toBe(pages - 1);
      expect(chosen).toEqual([...chosen].sort((a, b) => a - b));
    }
  });

  it('gives the first frame alone for a missing or nonsense count', () => {
    expect(chooseModeratedFrames(0)).toEqual([0]);
    expect(chooseModeratedFrames(Number.NaN)).toEqual([0]);
    expect(chooseModeratedFrames(-3)).toEqual([0]);
    expect(chooseModeratedFrames(2.5)).toEqual([0]);
  });

  it('counts the frames libvips composites to render the chosen ones', () => {
    expect(compositedPixels([0], 100)).toBe(100);
    expect(compositedPixels([2, 4, 6], 10)).toBe(150);
  });
});

describe('transformImage: the later frames of an animation', () => {
  it('decodes only the chosen frames of a 1000-frame GIF, one page each, at the thumbnail size', async () => {
    const gif = await makeAnimatedGif(1000, 16, 12);
    expect((await sharp(gif).metadata()).pages).toBe(1000);
    opened.length = 0;
    const result = await transformImage(await fixture('many.gif', gif), OPTIONS);
    expect(pagesDecoded()).toEqual([
      [333, 1],
      [666, 1],
      [999, 1],
    ]);
    // Every other pass (header, display) reads the first frame only: no pass asks for all pages.
    expect(opened.every((options) => options?.pages === undefined || options.pages === 1)).toBe(true);
    expect(result.laterFrames).toHaveLength(3);
    for (const frame of result.laterFrames) expect(frame).toMatchObject({ format: 'jpeg', width: 16, height: 12 });
    // Same strict options as the rest of the transform.
    for (const options of opened.filter((o) => o?.page !== undefined)) expect(options).toMatchObject({ limitInputPixels: OPTIONS.maxPixels, failOn: 'error' });
  });

  it('shrinks a large animation’s frames into the thumbnail box, and frame n is frame n', async () => {
    const gif = await makeAnimatedGif(4, 600, 400);
    const result = await transformImage(await fixture('large.gif', gif), OPTIONS);
    expect(result.laterFrames.map((frame) => [frame.width, frame.height])).toEqual([
      [256, 171],
      [256, 171],
      [256, 171],
    ]);
    // makeAnimatedGif's frame i has red (i * 80) % 256.
    const reds = await Promise.all(result.laterFrames.map(async (frame) => (await sharp(frame.data).stats()).channels[0]!.mean));
    reds.forEach((red, i) => expect(Math.abs(red - (i + 1) * 80)).toBeLessThan(8));
  });

  it('decodes no frame of a long animation whose frames would cost more than the pixel limit to composite', async () => {
    const gif = await makeAnimatedGif(1000, 16, 12);
    // Frames 333, 666 and 999 composite (334 + 667 + 1000) × 192 = 384,192 pixels.
    const over = await transformImage(await fixture('long.gif', gif), { maxPixels: 384_191 });
    expect(over).toMatchObject({ framesUnchecked: true, laterFrames: [] });
    expect(pagesDecoded()).toEqual([]);
    const within = await transformImage(await fixture('long.gif', gif), { maxPixels: 384_192 });
    expect(within.framesUnchecked).toBe(false);
    expect(within.laterFrames).toHaveLength(3);
  });

  it('refuses as corrupt an animation whose chosen later frame has invalid image data', async () => {
    const gif = await makeAnimatedGif(4);
    // Frame 3's LZW data (after its minimum code size and the first sub-block's length) overwritten:
    // the structure is intact, so only decoding that frame finds it.
    const lzw = lzwStart(gif, 2);
    const corrupt = Buffer.from(gif);
    corrupt.fill(0xff, lzw + 2, lzw + 2 + Math.min(20, corrupt[lzw + 1]!));
    // Before, only the first frame was decoded and this was accepted.
    await expect(transformImage(await fixture('corrupt-frame.gif', corrupt), OPTIONS)).rejects.toMatchObject({ kind: 'corrupt' });
  });

  it('refuses as corrupt a GIF with frames its decoder stops before (they would be stored unmoderated)', async () => {
    const gif = await makeAnimatedGif(4);
    const truncatedScan = Buffer.from(gif);
    truncatedScan[lzwStart(gif, 2)] = 12; // an LZW minimum code size no GIF may have: libvips counts 2 pages of the 4
    expect((await sharp(truncatedScan, { failOn: 'error' }).metadata()).pages).toBe(2);
    await expect(transformImage(await fixture('hidden-frames.gif', truncatedScan), OPTIONS)).rejects.toMatchObject({ kind: 'corrupt', message: /4 frames, of which the decoder reads 2/ });
  });

  it('decodes no extra frame for a still', async () => {
    const result = await transformImage(await fixture('still.webp', await makeImage('webp')), OPTIONS);
    expect(result).toMatchObject({ laterFrames: [], framesUnchecked: false });
    expect(pagesDecoded()).toEqual([]);
  });

  it('refuses a frame over the pixel limit before decoding it', async () => {
    const gif = await makeAnimatedGif(3, 300, 200);
    await expect(transformImage(await fixture('flood.gif', gif), { maxPixels: 300 * 200 - 1 })).rejects.toMatchObject({ kind: 'too_many_pixels' });
  });
});

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadNsfwModel } from '../../../src/media/moderation/load-nsfw-model.js';
import { MAX_BATCH, scoreImage } from '../../../src/media/moderation/model-batch.js';
import { NsfwModerator } from '../../../src/media/moderation/nsfw-moderator.js';
import { BARE_SVG, makeImage, makePngDeclaring, makeTruncatedJpeg } from '../../support/images.js';

const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

let moderator: NsfwModerator;
let thumbnail: Buffer;
let fetchCalls = 0;
let handlersBefore: number;

beforeAll(async () => {
  // Loading must not touch the network: any fetch (model, weights or .wasm) fails the test.
  vi.stubGlobal('fetch', async () => {
    fetchCalls++;
    throw new Error('network access during model load');
  });
  handlersBefore = process.listenerCount('unhandledRejection') + process.listenerCount('uncaughtException');
  moderator = new NsfwModerator();
  await moderator.load();
  thumbnail = await sharp(await makeImage('png', { width: 256, height: 171 })).webp().toBuffer();
});
afterAll(() => {
  vi.unstubAllGlobals();
});

describe('NsfwModerator', () => {
  it('loads the bundled model and wasm backend without fetching anything', () => {
    expect(fetchCalls).toBe(0);
  });

  it('leaves the process-wide error handlers as they were', () => {
    expect(process.listenerCount('unhandledRejection') + process.listenerCount('uncaughtException')).toBe(handlersBefore);
  });

  it('scores an image over all five classes', async () => {
    const result = await moderator.classify(thumbnail);
    expect(Object.keys(result.scores).sort()).toEqual(CLASSES);
    const total = Object.values(result.scores).reduce((sum, score) => sum + score, 0);
    expect(total).toBeCloseTo(1, 3);
    expect(CLASSES).toContain(result.label);
    expect(result.scores[result.label]).toBe(Math.max(...Object.values(result.scores)));
    expect(result.flagged).toBe((result.scores.Porn ?? 0) + (result.scores.Hentai ?? 0) >= 0.7);
  });

  it('is deterministic for the same image', async () => {
    const [first, second] = [await moderator.classify(thumbnail), await moderator.classify(thumbnail)];
    expect(second.scores).toEqual(first.scores);
  });

  it('gives images classified together in one batch the scores each gets alone', async () => {
    const other = await sharp(await makeImage('jpeg', { width: 200, height: 200 })).jpeg().toBuffer();
    const alone = [await moderator.classify(thumbnail), await moderator.classify(other)];
    // Six at once: the first goes alone while the others wait, then batches of up to MAX_BATCH.
    const together = await Promise.all([thumbnail, other, thumbnail, other, thumbnail, other].map((image) => moderator.classify(image)));
    together.forEach((result, index) => {
      const expected = alone[index % 2]!;
      expect(result.label).toBe(expected.label);
      for (const name of CLASSES) expect(result.scores[name]).toBeCloseTo(expected.scores[name] ?? -1, 5);
    });
  });

  it('never runs a batch larger than MAX_BATCH (2): the WebAssembly memory grows to the largest batch and stays', async () => {
    expect(MAX_BATCH).toBe(2);
    const { model } = await loadNsfwModel();
    const predict = vi.spyOn(model, 'predict');
    try {
      // Seven at once: the first goes alone, the six that wait for it in batches of two.
      const pixels = new Uint8Array(224 * 224 * 3).fill(128);
      await Promise.all(Array.from({ length: 7 }, () => scoreImage(pixels)));
      expect(predict.mock.calls.map(([input]) => input.shape[0])).toEqual([1, 2, 2, 2]);
    } finally {
      predict.mockRestore();
    }
  });

  it('classifies an animation’s frames with classifyAll in passes of MAX_BATCH, each scored as alone', async () => {
    const other = await sharp(await makeImage('jpeg', { width: 200, height: 200 })).jpeg().toBuffer();
    const alone = [await moderator.classify(thumbnail), await moderator.classify(other)];
    const { model } = await loadNsfwModel();
    const predict = vi.spyOn(model, 'predict');
    try {
      const frames = await moderator.classifyAll([thumbnail, other, thumbnail, other]);
      expect(predict.mock.calls.map(([input]) => input.shape[0])).toEqual([2, 2]);
      frames.forEach((result, index) => {
        const expected = alone[index % 2]!;
        expect(result.label).toBe(expected.label);
        for (const name of CLASSES) expect(result.scores[name]).toBeCloseTo(expected.scores[name] ?? -1, 5);
      });
    } finally {
      predict.mockRestore();
    }
    expect(await moderator.classifyAll([])).toEqual([]);
    // One hostile frame refuses the whole animation (the job then fails it), never a partial verdict.
    await expect(moderator.classifyAll([thumbnail, Buffer.from(BARE_SVG)])).rejects.toThrow();
  });

  it('flags at the configured threshold and counts "Sexy" only when asked', async () => {
    const { scores } = await moderator.classify(thumbnail);
    const explicit = (scores.Porn ?? 0) + (scores.Hentai ?? 0);
    const withSexy = explicit + (scores.Sexy ?? 0);
    const between = (explicit + withSexy) / 2;
    expect(withSexy).toBeGreaterThan(explicit);

    expect((await new NsfwModerator({ threshold: explicit }).classify(thumbnail)).flagged).toBe(true);
    expect((await new NsfwModerator({ threshold: between }).classify(thumbnail)).flagged).toBe(false);
    expect((await new NsfwModerator({ threshold: between, includeSexy: true }).classify(thumbnail)).flagged).toBe(true);
  });

  it('accepts any allowed format and size, including transparent and greyscale images', async () => {
    const grey = await sharp(await makeImage('jpeg', { width: 500, height: 300 })).greyscale().jpeg().toBuffer();
    const transparent = await makeImage('png', { alpha: true });
    for (const image of [grey, transparent, await makeImage('gif'), await makeImage('avif')]) {
      expect(CLASSES).toContain((await moderator.classify(image)).label);
    }
  });

  it('refuses an invalid threshold', () => {
    expect(() => new NsfwModerator({ threshold: 0 })).toThrow(RangeError);
    expect(() => new NsfwModerator({ threshold: 1.5 })).toThrow(RangeError);
  });

  it('refuses hostile input instead of classifying it', async () => {
    await expect(moderator.classify(Buffer.from(BARE_SVG))).rejects.toThrow();
    await expect(moderator.classify(await makeTruncatedJpeg())).rejects.toThrow();
    await expect(moderator.classify(makePngDeclaring(20_000, 20_000))).rejects.toThrow(/pixel limit/);
    await expect(moderator.classify(Buffer.alloc(0))).rejects.toThrow();
  });
});

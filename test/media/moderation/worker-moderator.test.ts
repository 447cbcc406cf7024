import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { moderationThreadRunning, WorkerThreadModerator } from '../../../src/media/moderation/worker-moderator.js';
import { BARE_SVG, makeImage, makeTruncatedJpeg } from '../../support/images.js';

const CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

let thumbnail: Buffer;

beforeAll(async () => {
  thumbnail = await sharp(await makeImage('png', { width: 256, height: 171 })).webp().toBuffer();
});

/** Polls until the thread is gone; the stop is a timer, and the model's first load takes seconds. */
async function waitForThreadStop(limitMs: number): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    if (!moderationThreadRunning()) return true;
    await sleep(20);
  }
  return !moderationThreadRunning();
}

// One thread per process, so these run one after another and each starts from a stopped thread.
describe('WorkerThreadModerator: the model on its own thread, stopped when idle', () => {
  it('classifies on the thread, then stops it once idle; the next photo starts a new one', async () => {
    const moderator = new WorkerThreadModerator({}, { idleStopMs: 200 });
    const first = await moderator.classify(thumbnail);
    expect(Object.keys(first.scores).sort()).toEqual(CLASSES);
    expect(moderationThreadRunning()).toBe(true);
    expect(await waitForThreadStop(5_000)).toBe(true);

    const again = await moderator.classify(thumbnail);
    // The same model in the new thread: the same answer.
    expect(again).toEqual(first);
    expect(await waitForThreadStop(5_000)).toBe(true);
  }, 90_000);

  it('does not stop while classifications are pending, nor while they keep coming', async () => {
    const moderator = new WorkerThreadModerator({}, { idleStopMs: 300 });
    // Several at once: the thread stays until the last one is answered.
    const results = await Promise.all([moderator.classify(thumbnail), moderator.classify(thumbnail), moderator.classify(thumbnail)]);
    expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    // Each new classification within the idle time postpones the stop.
    for (let i = 0; i < 4; i++) {
      await sleep(150);
      expect(moderationThreadRunning()).toBe(true);
      await moderator.classify(thumbnail);
    }
    expect(await waitForThreadStop(5_000)).toBe(true);
  }, 90_000);

  it('classifies an animation’s frames in one message with classifyAll, in order', async () => {
    const moderator = new WorkerThreadModerator({}, { idleStopMs: 200 });
    const other = await sharp(await makeImage('jpeg', { width: 200, height: 200 })).jpeg().toBuffer();
    const alone = [await moderator.classify(thumbnail), await moderator.classify(other)];
    const frames = await moderator.classifyAll([thumbnail, other, thumbnail, other, thumbnail]);
    expect(frames).toHaveLength(5);
    frames.forEach((result, index) => {
      const expected = alone[index % 2]!;
      expect(result.label).toBe(expected.label);
      for (const name of CLASSES) expect(result.scores[name]).toBeCloseTo(expected.scores[name] ?? -1, 5);
    });
    await expect(moderator.classifyAll([thumbnail, Buffer.alloc(0)])).rejects.toThrow();
    expect(await waitForThreadStop(5_000)).toBe(true);
  }, 90_000);

  it('keeps the thread for good with idleStopMs 0', async () => {
    const moderator = new WorkerThreadModerator({}, { idleStopMs: 0 });
    await moderator.classify(thumbnail);
    await sleep(400);
    expect(moderationThreadRunning()).toBe(true);
    // A later moderator with a stop time stops it after its own work.
    await new WorkerThreadModerator({}, { idleStopMs: 100 }).classify(thumbnail);
    expect(await waitForThreadStop(5_000)).toBe(true);
  }, 90_000);

  it('refuses hostile images with an error, and a thread left with only failures still stops', async () => {
    const moderator = new WorkerThreadModerator({}, { idleStopMs: 200 });
    await expect(moderator.classify(Buffer.from(BARE_SVG))).rejects.toThrow();
    await expect(moderator.classify(await makeTruncatedJpeg())).rejects.toThrow();
    await expect(moderator.classify(Buffer.alloc(0))).rejects.toThrow();
    expect(await waitForThreadStop(5_000)).toBe(true);
    // And it still works afterwards.
    expect(Object.keys((await moderator.classify(thumbnail)).scores).sort()).toEqual(CLASSES);
  }, 90_000);

  it('refuses nonsense settings', () => {
    for (const idleStopMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new WorkerThreadModerator({}, { idleStopMs })).toThrow(RangeError);
    }
    expect(() => new WorkerThreadModerator({ threshold: 0 })).toThrow(RangeError);
  });
});

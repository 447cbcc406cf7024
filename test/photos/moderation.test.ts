import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageModerator, ModerationResult } from '../../src/media/moderation/moderator.js';
import { moderatePhoto } from '../../src/photos/pipeline/moderate-photo.js';
import { transformUpload } from '../../src/photos/pipeline/transform-upload.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { makeTempDir, writeFixture } from '../support/images.js';
import { smallJpeg, uploadProcessed } from '../support/photos.js';

// The real nsfwjs model (shipped inside its npm package) classifies every photo. A plain colour
// field scores ~0.02-0.03 on the explicit classes: far below the default threshold (0.7) and
// above 0.01, which makes both outcomes reproducible without shipping explicit test images.
describe('moderation by the local model', () => {
  let strict: TestApp;
  let normal: TestApp;

  beforeAll(async () => {
    [strict, normal] = await Promise.all([createTestApp('sqlite', { MODERATION_THRESHOLD: '0.01' }), createTestApp('sqlite')]);
  }, 120_000);
  afterAll(async () => {
    await strict.close();
    await normal.close();
  });

  it('holds a flagged photo for review: visible to its owner with that status, to nobody else', async () => {
    const owner = new TestClient(strict.app);
    await owner.signupAndLogin('held_owner');
    const id = await uploadProcessed(strict, owner, await smallJpeg(128, 128, '#e0ac69'));
    const status = (await owner.get(`/photos/${id}/status/`)).json() as { status: string; detail: string };
    expect(status.status).toBe('held');
    expect(status.detail).toMatch(/Held for review/);
    const page = await owner.get(`/photos/${id}/`);
    expect(page.body).toContain('Status: Held for review');
    expect((await owner.get(`/photos/${id}/media/display.jpg`)).statusCode).toBe(200);

    const other = new TestClient(strict.app);
    await other.signupAndLogin('held_other');
    expect((await other.get(`/photos/${id}/`)).statusCode).toBe(404);
    expect((await other.get(`/photos/${id}/media/display.jpg`)).statusCode).toBe(404);
  }, 60_000);

  it('publishes the same photo under the default threshold', async () => {
    const owner = new TestClient(normal.app);
    await owner.signupAndLogin('ready_owner');
    const id = await uploadProcessed(normal, owner, await smallJpeg(128, 128, '#e0ac69'));
    expect(((await owner.get(`/photos/${id}/status/`)).json() as { status: string }).status).toBe('ready');
  }, 60_000);
});

// Clean frames differ in blue: the GIF encoder would merge identical frames into one.
const clean = (i: number) => ({ r: 40, g: 90, b: 140 + 10 * i });
const EXPLICIT = { r: 230, g: 20, b: 20 };

/**
 * A stand-in for the model that flags an image whose average colour is red (the model itself scores
 * plain colours alike, so it cannot tell frames apart), and records what it was given.
 */
class ColourModerator implements ImageModerator {
  readonly single: Buffer[] = [];
  readonly batches: Buffer[][] = [];

  async classify(image: Buffer): Promise<ModerationResult> {
    this.single.push(image);
    return judgeColour(image);
  }

  async classifyAll(images: readonly Buffer[]): Promise<ModerationResult[]> {
    this.batches.push([...images]);
    return Promise.all(images.map(judgeColour));
  }
}

async function judgeColour(image: Buffer): Promise<ModerationResult> {
  const { channels } = await sharp(image).stats();
  const [r, g, b] = channels.map((channel) => channel.mean) as [number, number, number];
  const flagged = r > 150 && g < 80 && b < 80;
  return { flagged, label: flagged ? 'Porn' : 'Neutral', scores: { Porn: flagged ? 0.9 : 0.01, Neutral: flagged ? 0.1 : 0.99 } };
}

/** An animation of `count` distinct frames, all clean but frame index `explicitAt` (none when undefined). */
async function makeAnimation(format: 'gif' | 'webp', count: number, explicitAt?: number): Promise<Buffer> {
  const frames = await Promise.all(
    Array.from({ length: count }, (_, i) => sharp({ create: { width: 64, height: 48, channels: 3, background: i === explicitAt ? EXPLICIT : clean(i) } }).png().toBuffer()),
  );
  const joined = count === 1 ? sharp(frames[0]) : sharp(frames, { join: { animated: true } });
  return format === 'gif' ? joined.gif().toBuffer() : joined.webp({ lossless: true }).toBuffer();
}

// The job's own steps (transform, then moderate) with a moderator that tells colours apart.
describe('moderation of an animation: later frames are checked too', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, remove } = await makeTempDir());
  });
  afterAll(async () => remove());

  async function moderateUpload(name: string, upload: Buffer, moderator: ColourModerator | null, maxPixels = 40_000_000) {
    const image = await transformUpload(await writeFixture(dir, name, upload), { maxPixels });
    return { image, verdict: await moderatePhoto(moderator, image.thumbnail.data, { laterFrames: image.laterFrames.map((frame) => frame.data), framesUnchecked: image.framesUnchecked }) };
  }

  it.each(['gif', 'webp'] as const)('holds an animated %s whose 3rd frame is explicit, naming the label and the animation', async (format) => {
    const moderator = new ColourModerator();
    // 7 frames: the model sees frames 0, 2, 4 and 6, in one batch.
    const { verdict } = await moderateUpload(`third.${format}`, await makeAnimation(format, 7, 2), moderator);
    expect(verdict.held).toBe(true);
    expect(verdict.detail).toBe('Held for review: the content check classified a frame of this animation as “Porn”. Only you can see it.');
    expect(moderator.single).toHaveLength(0);
    expect(moderator.batches).toHaveLength(1);
    expect(moderator.batches[0]).toHaveLength(4);
  });

  it.each(['gif', 'webp'] as const)('publishes the same animated %s with clean frames', async (format) => {
    const moderator = new ColourModerator();
    const { verdict } = await moderateUpload(`clean.${format}`, await makeAnimation(format, 7), moderator);
    expect(verdict).toEqual({ held: false, detail: '' });
    expect(moderator.batches.map((batch) => batch.length)).toEqual([4]);
  });

  it('holds an animation whose explicit frame is the last one, and one of two frames', async () => {
    for (const [count, at] of [
      [7, 6],
      [2, 1],
    ] as const) {
      const { verdict } = await moderateUpload(`last-${count}.gif`, await makeAnimation('gif', count, at), new ColourModerator());
      expect(verdict.held).toBe(true);
    }
  });

  it('holds an animation too long to render its frames within the pixel limit, without decoding or classifying them', async () => {
    const moderator = new ColourModerator();
    // 7 frames of 64 × 48: frames 2, 4 and 6 composite (3 + 5 + 7) × 3072 = 46,080 pixels.
    const { image, verdict } = await moderateUpload('long.gif', await makeAnimation('gif', 7), moderator, 46_079);
    expect(image).toMatchObject({ framesUnchecked: true, laterFrames: [] });
    expect(verdict).toEqual({ held: true, detail: 'Held for review: this animation has too many frames for the automatic content check. Only you can see it.' });
    expect(moderator.single).toHaveLength(0);
    expect(moderator.batches).toHaveLength(0);
    // At the limit, it is checked as usual.
    expect((await moderateUpload('long-ok.gif', await makeAnimation('gif', 7), moderator, 46_080)).verdict.held).toBe(false);
    // With moderation off, nothing is held.
    expect((await moderateUpload('long-off.gif', await makeAnimation('gif', 7), null, 46_079)).verdict.held).toBe(false);
  });

  it('classifies a still with exactly one image, its thumbnail, as before', async () => {
    const moderator = new ColourModerator();
    const still = await sharp({ create: { width: 64, height: 48, channels: 3, background: EXPLICIT } }).png().toBuffer();
    const { image, verdict } = await moderateUpload('still.png', still, moderator);
    expect(image.laterFrames).toEqual([]);
    expect(moderator.batches).toHaveLength(0);
    expect(moderator.single).toHaveLength(1);
    expect(moderator.single[0]!.equals(image.thumbnail.data)).toBe(true);
    expect(verdict.detail).toBe('Held for review: the content check classified this photo as “Porn”. Only you can see it.');
  });

  it('sends a one-frame GIF as a still', async () => {
    const moderator = new ColourModerator();
    const { image } = await moderateUpload('one.gif', await makeAnimation('gif', 1), moderator);
    expect(image.laterFrames).toEqual([]);
    expect(moderator.single).toHaveLength(1);
  });
});

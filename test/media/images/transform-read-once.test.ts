import type * as fsPromises from 'node:fs/promises';
import type SharpModule from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { transformImage } from '../../../src/media/images/transform.js';
import { makeJpegWithMetadata, makeTempDir, writeFixture } from '../../support/images.js';

// What reaches the disk and libvips: every readFile path, and every input handed to sharp().
const seen = vi.hoisted(() => ({ reads: [] as string[], sharpInputs: [] as unknown[] }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>();
  const readFile = (async (file: Parameters<typeof actual.readFile>[0], ...rest: unknown[]) => {
    seen.reads.push(String(file));
    return (actual.readFile as (...args: unknown[]) => Promise<unknown>)(file, ...rest);
  }) as typeof actual.readFile;
  return { ...actual, readFile, default: { ...actual, readFile } };
});

vi.mock('sharp', async (importOriginal) => {
  const actual = (await importOriginal<{ default: typeof SharpModule }>()).default;
  const recording = (...args: Parameters<typeof SharpModule>) => {
    seen.sharpInputs.push(args[0]);
    return actual(...args);
  };
  return { default: Object.assign(recording, actual) };
});

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await makeTempDir());
});
afterAll(async () => remove());

describe('transformImage reads the upload once', () => {
  it('reads the file one time and hands libvips only those bytes, never the path', async () => {
    const file = await writeFixture(dir, 'read-once.jpg', await makeJpegWithMetadata());
    seen.reads.length = 0;
    seen.sharpInputs.length = 0;

    const result = await transformImage(file, { maxPixels: 40_000_000, keepLocation: true });

    expect(seen.reads.filter((read) => read === file)).toHaveLength(1);
    expect(seen.sharpInputs.length).toBeGreaterThan(0);
    expect(seen.sharpInputs.some((input) => typeof input === 'string')).toBe(false);
    // The header read from those bytes still gives the facts and the stripped original.
    expect(result.facts.latitude).toBeCloseTo(51.5074, 3);
    expect(result.original.format).toBe('jpeg');
  });
});

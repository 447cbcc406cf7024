import { open, readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateUploadHeader } from '../../../src/photos/pipeline/validate-header.js';
import { ForwardReader, withUploadFile } from '../../../src/photos/pipeline/upload-file.js';
import { makeWebpExtendedDeclaring } from '../../support/hostile-headers.js';
import * as images from '../../support/images.js';

let dir: string;
let remove: () => Promise<void>;
beforeAll(async () => {
  ({ dir, remove } = await images.makeTempDir());
});
afterAll(async () => remove());
afterEach(() => vi.restoreAllMocks());

/** Spies on every FileHandle's read (the prototype file-type's file tokenizer reads through too). */
async function spyOnFileReads(path: string) {
  const handle = await open(path, 'r');
  const prototype = Object.getPrototypeOf(handle) as { read: (...args: unknown[]) => unknown };
  await handle.close();
  const read = vi.spyOn(prototype, 'read');
  return { read, handles: () => new Set(read.mock.contexts).size };
}

const openFiles = async () => (await readdir('/proc/self/fd')).length;

describe('the web-only upload gate reads an upload once', () => {
  it.each([
    ['jpeg', () => images.makeImage('jpeg', { width: 64, height: 48 })],
    ['webp', () => makeWebpExtendedDeclaring(16, 16)],
    ['gif', () => images.makeImage('gif', { width: 16, height: 16 })],
  ] as const)('a small %s: one open, one read, into a buffer no larger than the file', async (_format, bytes) => {
    const content = await bytes();
    const file = await images.writeFixture(dir, `once-${_format}`, content);
    const spies = await spyOnFileReads(file);
    await validateUploadHeader(file, { maxPixels: 40_000_000 });
    expect(spies.handles()).toBe(1);
    expect(spies.read).toHaveBeenCalledTimes(1);
    expect((spies.read.mock.calls[0]![0] as Buffer).length).toBeLessThanOrEqual(content.length);
  });

  it('a refused file is read once too (the refusal names it from the same head)', async () => {
    const file = await images.writeFixture(dir, 'once-html', images.HTML_PAGE);
    const spies = await spyOnFileReads(file);
    await expect(validateUploadHeader(file, { maxPixels: 40_000_000 })).rejects.toMatchObject({ reason: 'unsupported_type', userMessage: expect.stringMatching(/^HTML files are not accepted/) });
    expect(spies.handles()).toBe(1);
    expect(spies.read).toHaveBeenCalledTimes(1);
  });
});

describe('ForwardReader', () => {
  it('answers from the head, reads on past it in windows, and stops at the end of the file', async () => {
    const content = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    const file = await images.writeFixture(dir, 'forward', content);
    await withUploadFile(file, 1_000, async (upload) => {
      expect(upload.size).toBe(10_000);
      expect(upload.head).toEqual(content.subarray(0, 1_000));
      const reader = new ForwardReader(upload, 4_000);
      expect(reader.indexOf(996, 4)).toBe(996);
      expect(reader.indexOf(998, 4)).toBe(-1);
      expect(await reader.bytes(998, 4)).toEqual(content.subarray(998, 1_002));
      expect(reader.window.length).toBe(4_000); // a whole window was read, from 998
      expect(reader.indexOf(4_990, 8)).toBe(4_990 - 998);
      expect(await reader.bytes(9_996, 4)).toEqual(content.subarray(9_996));
      expect(await reader.bytes(9_997, 4)).toBeUndefined();
      expect(await reader.fetch(10_000, 1)).toBe(-1);
    });
  });

  it('closes the file when the walk throws or the path is not a regular file', async () => {
    const file = await images.writeFixture(dir, 'throws', Buffer.alloc(10));
    const before = await openFiles();
    await expect(withUploadFile(file, 4, () => Promise.reject(new Error('walk failed')))).rejects.toThrow('walk failed');
    await expect(withUploadFile(dir, 4, async () => undefined)).rejects.toThrow(/regular file/);
    expect(await openFiles()).toBe(before);
  });

  it('refuses what is not a regular file', async () => {
    await expect(withUploadFile(dir, 4, async () => undefined)).rejects.toThrow(/regular file/);
  });
});

describe('the WebP canvas walk is bounded', () => {
  /** A still VP8X WebP (alpha) with `count` empty unknown chunks between its VP8X chunk and its image data. */
  async function webpWithEmptyChunks(count: number): Promise<Buffer> {
    const webp = await sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).webp().toBuffer();
    expect(webp.toString('latin1', 12, 16)).toBe('VP8X');
    const filler = Buffer.alloc(count * 8);
    for (let i = 0; i < count; i++) filler.write('XYZW', i * 8, 'latin1');
    const out = Buffer.concat([webp.subarray(0, 30), filler, webp.subarray(30)]);
    out.writeUInt32LE(out.length - 8, 4);
    return out;
  }

  it('walks a few thousand chunks, and refuses as corrupt a file of more chunks than the stripper keeps (65,536)', async () => {
    const fine = await images.writeFixture(dir, 'chunks-2000.webp', await webpWithEmptyChunks(2_000));
    await expect(validateUploadHeader(fine, { maxPixels: 40_000_000 })).resolves.toMatchObject({ format: 'webp', width: 16, height: 16 });
    const hostile = await images.writeFixture(dir, 'chunks-70000.webp', await webpWithEmptyChunks(70_000));
    await expect(validateUploadHeader(hostile, { maxPixels: 40_000_000 })).rejects.toMatchObject({ reason: 'corrupt' });
  });
});

import { describe, expect, it } from 'vitest';
import type { TransformedImage } from '../../../src/media/images/transform.js';
import type { MediaStorage } from '../../../src/media/storage/storage.js';
import { storePhoto } from '../../../src/photos/pipeline/store-photo.js';

const ID = '0123456789abcdef0123456789abcdef';
const image = {
  original: { data: Buffer.from('original') },
  display: { data: Buffer.from('display') },
  thumbnail: { data: Buffer.from('thumb') },
} as unknown as TransformedImage;

/** A storage whose puts wait until the test lets them finish, each with its own outcome. */
function heldStorage(outcome: (key: string) => Error | undefined) {
  const started: string[] = [];
  const finished: string[] = [];
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const storage = {
    async put(key: string) {
      started.push(key);
      await released;
      finished.push(key);
      const error = outcome(key);
      if (error) throw error;
    },
  } as unknown as MediaStorage;
  return { storage, started, finished, release };
}

describe('storePhoto', () => {
  it('writes the three files at once, not one after another', async () => {
    const held = heldStorage(() => undefined);
    const storing = storePhoto(held.storage, ID, image);
    await new Promise((resolve) => setImmediate(resolve));
    expect(held.started.sort()).toEqual([`${ID}/display.jpg`, `${ID}/original`, `${ID}/thumb.jpg`]);
    expect(held.finished).toEqual([]);
    held.release();
    await storing;
    expect(held.finished).toHaveLength(3);
  });

  it('a failed put fails the store only once every other put has settled (none outlives it)', async () => {
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    const held = heldStorage((key) => (key.endsWith('/display.jpg') ? full : undefined));
    const storing = storePhoto(held.storage, ID, image);
    await new Promise((resolve) => setImmediate(resolve));
    held.release();
    await expect(storing).rejects.toBe(full);
    expect(held.finished).toHaveLength(3);
  });
});

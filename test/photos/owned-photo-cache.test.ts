import { describe, expect, it } from 'vitest';
import { OwnedPhotoCache } from '../../src/photos/owned-photo-cache.js';
import type { PhotoRecord } from '../../src/photos/photo-repository.js';

const photo = (id: string, ownerId: string) => ({ id, owner_id: ownerId, status: 'ready' }) as PhotoRecord;

describe('OwnedPhotoCache', () => {
  it('returns a record only to its owner, and only under the version it was read with', () => {
    const cache = new OwnedPhotoCache();
    cache.set({ id: 'alice', photosVersion: 3 }, photo('p1', 'alice'));
    expect(cache.get({ id: 'alice', photosVersion: 3 }, 'p1')?.id).toBe('p1');
    expect(cache.get({ id: 'bob', photosVersion: 3 }, 'p1')).toBeUndefined();
    expect(cache.get({ id: 'alice', photosVersion: 4 }, 'p1')).toBeUndefined();
    // The stale entry is gone, not just skipped.
    expect(cache.get({ id: 'alice', photosVersion: 3 }, 'p1')).toBeUndefined();
  });

  it('stores nothing without a version, nor a record of someone else’s photo', () => {
    const cache = new OwnedPhotoCache();
    cache.set({ id: 'alice' }, photo('p1', 'alice'));
    cache.set({ id: 'bob', photosVersion: 1 }, photo('p2', 'alice'));
    expect(cache.get({ id: 'alice', photosVersion: 0 }, 'p1')).toBeUndefined();
    expect(cache.get({ id: 'bob', photosVersion: 1 }, 'p2')).toBeUndefined();
    expect(cache.get({ id: 'alice' }, 'p1')).toBeUndefined();
  });

  it('forgets an evicted photo and the least recently used beyond its size; records are frozen', () => {
    const cache = new OwnedPhotoCache(2);
    const owner = { id: 'alice', photosVersion: 1 };
    cache.set(owner, photo('a', 'alice'));
    cache.set(owner, photo('b', 'alice'));
    expect(cache.get(owner, 'a')).toBeDefined();
    cache.set(owner, photo('c', 'alice'));
    expect(cache.get(owner, 'b')).toBeUndefined();
    expect(Object.isFrozen(cache.get(owner, 'a'))).toBe(true);
    cache.evict('alice', 'a');
    expect(cache.get(owner, 'a')).toBeUndefined();
    expect(cache.get(owner, 'c')).toBeDefined();
  });
});

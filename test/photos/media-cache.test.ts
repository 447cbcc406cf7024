import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MediaCache, readFully } from '../../src/photos/media-cache.js';

describe('MediaCache', () => {
  it('serves bytes only for the content hash they were stored under', () => {
    const cache = new MediaCache();
    cache.set('p/thumb.jpg', 'hash-1', Buffer.from('one'));
    expect(cache.get('p/thumb.jpg', 'hash-1')?.toString()).toBe('one');
    expect(cache.get('p/thumb.jpg', 'hash-2')).toBeUndefined();
    // The stale entry is gone, not just skipped.
    expect(cache.get('p/thumb.jpg', 'hash-1')).toBeUndefined();
  });

  it('keeps nothing without a content hash, nor anything over the entry limit', () => {
    const cache = new MediaCache({ maxBytes: 100, maxEntryBytes: 10 });
    cache.set('a', '', Buffer.alloc(5));
    cache.set('b', 'h', Buffer.alloc(11));
    expect(cache.get('a', '')).toBeUndefined();
    expect(cache.get('b', 'h')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('by default keeps thumbnail-sized files only, within a few MiB', () => {
    const cache = new MediaCache();
    cache.set('p/thumb.jpg', 'h', Buffer.alloc(40 * 1024));
    // A display image (0.2-2 MB) is read from storage each time instead of held in memory.
    cache.set('p/display.jpg', 'h', Buffer.alloc(300 * 1024));
    expect(cache.get('p/thumb.jpg', 'h')).toBeDefined();
    expect(cache.get('p/display.jpg', 'h')).toBeUndefined();
    for (let i = 0; i < 400; i++) cache.set(`q${i}/thumb.jpg`, 'h', Buffer.alloc(100 * 1024));
    expect(cache.size).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it('evicts the least recently used entries beyond its size', () => {
    const cache = new MediaCache({ maxBytes: 30, maxEntryBytes: 10 });
    cache.set('a', 'h', Buffer.alloc(10));
    cache.set('b', 'h', Buffer.alloc(10));
    cache.set('c', 'h', Buffer.alloc(10));
    expect(cache.get('a', 'h')).toBeDefined();
    cache.set('d', 'h', Buffer.alloc(10));
    expect(cache.get('b', 'h')).toBeUndefined();
    expect(cache.get('a', 'h')).toBeDefined();
    expect(cache.size).toBe(30);
    cache.delete('a');
    expect(cache.get('a', 'h')).toBeUndefined();
    expect(cache.size).toBe(20);
  });

  it('reads a stream into one buffer', async () => {
    const data = await readFully(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
    expect(data.toString()).toBe('abcd');
  });
});

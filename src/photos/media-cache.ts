import type { Readable } from 'node:stream';

export interface MediaCacheOptions {
  /** Total bytes kept (default 8 MiB: several hundred thumbnails). */
  readonly maxBytes?: number;
  /**
   * Larger files are never kept (default 128 KiB: thumbnails, which a gallery asks for dozens at a
   * time, and not display images or originals, which are 0.2-2 MB each and asked for one at a time:
   * caching those cost ~25 MB of resident memory for no measurable gain).
   */
  readonly maxEntryBytes?: number;
}

interface Entry {
  readonly contentHash: string;
  readonly data: Buffer;
}

/**
 * The bytes of recently served small variants, so a thumbnail costs no open/stat/read/close on
 * the thread pool. It holds no authority: callers look it up only after the ownership (or share)
 * check has passed for this request, and an entry counts only for the photo's current content
 * hash, so bytes from before a re-processing are never served. Least recently used entries go
 * first once `maxBytes` is reached; deleting a photo evicts its entries.
 */
export class MediaCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxBytes: number;
  readonly maxEntryBytes: number;

  constructor(options: MediaCacheOptions = {}) {
    this.maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.maxEntryBytes = Math.min(options.maxEntryBytes ?? 128 * 1024, this.maxBytes);
  }

  get(key: string, contentHash: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.contentHash !== contentHash || contentHash === '') {
      this.delete(key);
      return undefined;
    }
    // Most recently used last: Map iteration order is insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.data;
  }

  set(key: string, contentHash: string, data: Buffer): void {
    if (contentHash === '' || data.length > this.maxEntryBytes) return;
    this.delete(key);
    this.entries.set(key, { contentHash, data });
    this.bytes += data.length;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.data.length;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.data.length;
  }

  get size(): number {
    return this.bytes;
  }
}

/** Reads a stream of known size into one buffer. */
export async function readFully(stream: Readable, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
    if (length > size) break;
  }
  stream.destroy();
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, length);
}

import type { Readable } from 'node:stream';

export interface StoredMedia {
  stream: Readable;
  /** Size in bytes, for Content-Length. */
  size: number;
}

/** Where media bytes live (local disk, later S3); keys are validated by every implementation. */
export interface MediaStorage {
  /** Stores the bytes under the key, replacing any previous value atomically. */
  put(key: string, data: Buffer): Promise<void>;
  /** Opens the stored bytes; throws MediaNotFoundError when the key has no value. */
  get(key: string): Promise<StoredMedia>;
  /** Removes the value; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Every stored key, in no particular order. */
  listKeys(): AsyncIterable<string>;
  /**
   * Removes what writes interrupted by a crash left: temporary files of writers known to be dead at
   * once, any older than `before` (epoch ms), and empty key directories older than `before`.
   * Returns how many entries went. Live writes are younger than `before`.
   */
  removeIncomplete(before: number): Promise<number>;
  /** Resolves when the storage can be read and written; throws otherwise. */
  ping(): Promise<void>;
}

export class MediaNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No media stored under ${key}`);
    this.name = 'MediaNotFoundError';
  }
}

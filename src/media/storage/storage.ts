import type { Readable } from 'node:stream';

export interface StoredMedia {
  stream: Readable;
  /** Size in bytes, for Content-Length. */
  size: number;
}

/** Where media bytes live (local disk or S3); keys are validated by every implementation. */
export interface MediaStorage {
  /** Stores the bytes under the key, replacing any previous value atomically. */
  put(key: string, data: Buffer): Promise<void>;
  /**
   * Stores the bytes of a local file under the key, streamed (never whole in memory), with the same
   * atomic replace as put. The file itself is left where it is.
   */
  putFile(key: string, file: string): Promise<void>;
  /** Opens the stored bytes; throws MediaNotFoundError when the key has no value. */
  get(key: string): Promise<StoredMedia>;
  /** Removes the value; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** Every stored key, in no particular order. */
  listKeys(): AsyncIterable<string>;
  /**
   * Removes what writes interrupted by a crash left (local: temporary files of writers known to be
   * dead at once, any older than `before` (epoch ms), and empty key directories older than `before`;
   * S3: multipart uploads started before `before`). Returns how many entries went. Live writes are
   * younger than `before`.
   */
  removeIncomplete(before: number): Promise<number>;
  /** Resolves when the storage can be read and written; throws otherwise. */
  ping(): Promise<void>;
}

export interface SignedLinkOptions {
  readonly expiresInSeconds: number;
  /** Forced on the response whatever the stored object says. */
  readonly contentType: string;
  readonly contentDisposition: string;
}

/** Storage that can hand out short-lived links to its objects (S3's presigned GET URLs). */
export interface MediaLinks {
  /** A URL that serves the key's bytes with the given headers until it expires. */
  signedUrl(key: string, options: SignedLinkOptions): Promise<string>;
  /** The origin those URLs point at (pages need it in their CSP's img-src). */
  linkOrigin(): Promise<string>;
}

export class MediaNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No media stored under ${key}`);
    this.name = 'MediaNotFoundError';
  }
}

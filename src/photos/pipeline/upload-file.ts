import { open, type FileHandle } from 'node:fs/promises';

/**
 * What the upload gate reads of an upload: its size, its first bytes (read once, shared by the
 * sniffer, the header parser and the quirk checks) and, for a header walk that must go past them,
 * further bytes through the same open file.
 */
export interface UploadFile {
  readonly size: number;
  /** The first min(size, headBytes) bytes. */
  readonly head: Buffer;
  /** Bytes [at, at + length) of the file, fewer where it ends; from `head` when it holds them. */
  read(at: number, length: number): Promise<Buffer>;
}

/**
 * Opens an upload once, reads its head and runs `use` with it; the file is closed on every path.
 * A file that is not a regular file is a programming error (the upload route stages regular files).
 */
export async function withUploadFile<T>(filePath: string, headBytes: number, use: (file: UploadFile) => Promise<T>): Promise<T> {
  const handle = await open(filePath, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`the upload gate expects a regular file: ${filePath}`);
    const head = await readAt(handle, 0, Math.min(info.size, headBytes));
    return await use({
      size: info.size,
      head,
      read: async (at, length) => (at + length <= head.length ? head.subarray(at, at + length) : readAt(handle, at, Math.min(length, Math.max(0, info.size - at)))),
    });
  } finally {
    await handle.close();
  }
}

async function readAt(handle: FileHandle, at: number, length: number): Promise<Buffer> {
  // Sized to what the file holds past `at` (never a fixed 512 KB) and not zero-filled first:
  // zeroing a 512 KB head cost ~300 µs of CPU per upload, more than the rest of the gate. Its own
  // memory, never Buffer's shared pool, and every byte of it either read or zeroed below: image-size
  // reads past the end of the view it is given (a PNG cut inside IHDR took its height from
  // whatever followed in the pool), so what lies beyond must be zeros, as before.
  // eslint-disable-next-line @microsoft/sdl/no-unsafe-alloc
  const buffer = Buffer.allocUnsafeSlow(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, at + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  buffer.fill(0, filled);
  return buffer.subarray(0, filled);
}

/**
 * Walks a file front to back through one window of it. A walk over many small segments indexes
 * `window` directly (indexOf, no allocation, no await) and calls `fetch` only when it runs past it.
 */
export class ForwardReader {
  #window: Buffer;
  #start = 0;

  constructor(
    private readonly file: UploadFile,
    private readonly windowBytes: number,
  ) {
    this.#window = file.head;
  }

  /** The file's first bytes, as read before the walk. */
  get head(): Buffer {
    return this.file.head;
  }

  /** The bytes read last; indexOf says where a file position lies in them. */
  get window(): Buffer {
    return this.#window;
  }

  /** Where bytes [at, at + length) lie in `window`, or -1 if it does not hold them all. */
  indexOf(at: number, length: number): number {
    const index = at - this.#start;
    return index >= 0 && index + length <= this.#window.length ? index : -1;
  }

  /** Reads a new window from `at`; then as indexOf (-1 if the file ends before at + length). */
  async fetch(at: number, length: number): Promise<number> {
    if (at + length > this.file.size) return -1;
    this.#window = await this.file.read(at, Math.max(length, this.windowBytes));
    this.#start = at;
    return this.indexOf(at, length);
  }

  /** Bytes [at, at + length), read if the window does not hold them; undefined if the file ends first. */
  async bytes(at: number, length: number): Promise<Buffer | undefined> {
    let index = this.indexOf(at, length);
    if (index < 0) index = await this.fetch(at, length);
    return index < 0 ? undefined : this.#window.subarray(index, index + length);
  }
}

import { randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access, lstat, mkdir, open, readdir, realpath, rename, rm, rmdir, type FileHandle } from 'node:fs/promises';
import { failpoint } from '../../faults/failpoints.js';
import { isGoneLocalWriter, PROCESS_TAG } from '../../runtime/process-identity.js';
import path from 'node:path';
import { MediaNotFoundError, type MediaStorage, type StoredMedia } from './storage.js';
import { assertValidStorageKey, InvalidStorageKeyError, isValidKeyPrefix, isValidStorageKey } from './storage-key.js';

// Temporary names start with a dot, which no valid key can, so they never collide or get listed;
// then the writer's process tag, so a sweep knows a dead writer's file from a live one's.
const TEMP_PREFIX = '.tmp-';

/** Media files under one root directory (DATA_DIR/media), written atomically and durably. */
export class LocalStorage implements MediaStorage {
  private constructor(private readonly root: string) {}

  /** Creates the root (owner-only) if needed and resolves it once, symlinks included. */
  static async open(root: string): Promise<LocalStorage> {
    if (!path.isAbsolute(root)) throw new Error('LocalStorage needs an absolute root directory');
    await mkdir(root, { recursive: true, mode: 0o700 });
    return new LocalStorage(await realpath(root));
  }

  async put(key: string, data: Buffer): Promise<void> {
    await this.write(key, (handle) => handle.writeFile(data));
  }

  async putFile(key: string, source: string): Promise<void> {
    await this.write(key, async (handle) => {
      // One chunk in memory at a time; the handle stays open for the fsync that follows.
      for await (const chunk of createReadStream(source)) await handle.write(chunk as Buffer);
    });
  }

  private async write(key: string, fill: (handle: FileHandle) => Promise<void>): Promise<void> {
    const { directory, file } = this.locate(key);
    const created = await mkdir(directory, { recursive: true, mode: 0o700 });
    if (created !== undefined) await syncDirectory(this.root);
    // A symlinked key directory would redirect writes outside the root.
    if (!(await lstat(directory)).isDirectory()) throw new Error('Media key directory is not a plain directory');

    // Write-then-rename: readers see the old file or the new one, never a torn write, and the
    // fsyncs make the new file survive a crash once put() resolves.
    const temporary = path.join(directory, `${TEMP_PREFIX}${PROCESS_TAG}.${randomBytes(12).toString('hex')}`);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await fill(handle);
      await handle.sync();
      await handle.close();
      await failpoint('storage.put.before-rename');
      await rename(temporary, file);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temporary, { force: true });
      throw error;
    }
    await syncDirectory(directory);
  }

  async get(key: string): Promise<StoredMedia> {
    const { file } = this.locate(key);
    let handle: FileHandle;
    try {
      // O_NOFOLLOW: a symlink planted under the root is never followed out of it.
      handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ELOOP')) throw new MediaNotFoundError(key);
      throw error;
    }
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      throw new MediaNotFoundError(key);
    }
    // Size and stream come from the same open file, so a concurrent replace cannot mismatch them.
    return { stream: handle.createReadStream(), size: stats.size };
  }

  async delete(key: string): Promise<void> {
    const { file } = this.locate(key);
    await rm(file, { force: true });
  }

  async exists(key: string): Promise<boolean> {
    const { file } = this.locate(key);
    try {
      return (await lstat(file)).isFile();
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false;
      throw error;
    }
  }

  async *listKeys(): AsyncIterable<string> {
    for (const directory of await readdir(this.root, { withFileTypes: true })) {
      if (!directory.isDirectory() || !isValidKeyPrefix(directory.name)) continue;
      for (const entry of await readdir(path.join(this.root, directory.name), { withFileTypes: true })) {
        const key = `${directory.name}/${entry.name}`;
        if (entry.isFile() && isValidStorageKey(key)) yield key;
      }
    }
  }

  async removeIncomplete(before: number): Promise<number> {
    // Empty directories only by age: a live put may have just made one and not yet written into it.
    let removed = 0;
    for (const directory of await readdir(this.root, { withFileTypes: true })) {
      if (!directory.isDirectory() || !isValidKeyPrefix(directory.name)) continue;
      const dir = path.join(this.root, directory.name);
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      let left = entries.length;
      for (const entry of entries) {
        if (!entry.name.startsWith(TEMP_PREFIX)) continue;
        const stats = await lstat(path.join(dir, entry.name)).catch(() => undefined);
        if (!stats) continue;
        // `.tmp-<writer tag>.<random>`; an untagged or malformed name is never judged gone.
        const writerGone = isGoneLocalWriter(entry.name.slice(TEMP_PREFIX.length).split('.', 1)[0] ?? '', stats.mtimeMs);
        if (!writerGone && stats.mtimeMs >= before) continue;
        await rm(path.join(dir, entry.name), { force: true });
        removed++;
        left--;
      }
      // An emptied key directory (its photo was deleted): rmdir refuses if a write just put a file in.
      const stats = left === 0 ? await lstat(dir).catch(() => undefined) : undefined;
      if (stats && stats.mtimeMs < before && (await rmdir(dir).then(() => true, () => false))) removed++;
    }
    return removed;
  }

  async ping(): Promise<void> {
    await access(this.root, constants.R_OK | constants.W_OK);
  }

  private locate(key: string): { directory: string; file: string } {
    assertValidStorageKey(key);
    const [prefix = '', name = ''] = key.split('/');
    const directory = path.join(this.root, prefix);
    const file = path.join(directory, name);
    // Defence in depth; the key pattern already makes this impossible.
    if (path.dirname(file) !== directory || path.dirname(directory) !== this.root) throw new InvalidStorageKeyError();
    return { directory, file };
  }
}

// POSIX: a rename is durable only once the directory holding the new entry is fsync'd.
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

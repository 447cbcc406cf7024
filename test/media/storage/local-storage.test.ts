import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../src/media/storage/local-storage.js';
import { InvalidStorageKeyError } from '../../../src/media/storage/storage-key.js';
import { MediaNotFoundError } from '../../../src/media/storage/storage.js';
import { makeTempDir } from '../../support/images.js';

const PREFIX = 'a1b2c3d4e5f60718';
const KEY = `${PREFIX}/original.jpg`;

let dir: string;
let remove: () => Promise<void>;
let root: string;
let storage: LocalStorage;

beforeEach(async () => {
  ({ dir, remove } = await makeTempDir());
  root = path.join(dir, 'media');
  storage = await LocalStorage.open(root);
});
afterEach(async () => remove());

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all.sort();
}

describe('LocalStorage', () => {
  it('creates its root owner-only and answers ping', async () => {
    expect((await stat(root)).mode & 0o777).toBe(0o700);
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  // Round trips, replace, listing, hostile keys and crash leftovers: storage-contract.test.ts, run
  // over every MediaStorage. Here: what only a directory on disk has (modes, temp files, symlinks).

  it('writes files owner-only and leaves no temporary files after a replace', async () => {
    await storage.put(KEY, Buffer.alloc(100_000, 1));
    await storage.put(KEY, Buffer.from('second'));
    expect(await text((await storage.get(KEY)).stream)).toBe('second');
    expect(await readdir(path.join(root, PREFIX))).toEqual(['original.jpg']);
    expect((await stat(path.join(root, PREFIX, 'original.jpg'))).mode & 0o777).toBe(0o600);
  });

  it('does not list temporary files or foreign entries', async () => {
    await storage.put(KEY, Buffer.from('x'));
    await writeFile(path.join(root, PREFIX, '.tmp-deadbeef'), 'partial');
    await writeFile(path.join(root, 'README'), 'not media');
    await mkdir(path.join(root, 'not-a-prefix'));
    await writeFile(path.join(root, 'not-a-prefix', 'file.jpg'), 'x');
    expect(await collect(storage.listKeys())).toEqual([KEY]);
  });

  it('never touches a file outside the root through a hostile key', async () => {
    const outside = path.join(dir, 'secret.txt');
    await writeFile(outside, 'secret');
    for (const key of ['../secret.txt', `${PREFIX}/../../secret.txt`, outside]) {
      await expect(storage.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
    expect(await readFile(outside, 'utf8')).toBe('secret');
  });

  it('does not follow a symlink planted under the root', async () => {
    const outside = path.join(dir, 'secret.txt');
    await writeFile(outside, 'secret');
    await mkdir(path.join(root, PREFIX), { recursive: true });
    await symlink(outside, path.join(root, PREFIX, 'link.jpg'));
    expect((await lstat(path.join(root, PREFIX, 'link.jpg'))).isSymbolicLink()).toBe(true);
    await expect(storage.get(`${PREFIX}/link.jpg`)).rejects.toBeInstanceOf(MediaNotFoundError);
    expect(await storage.exists(`${PREFIX}/link.jpg`)).toBe(false);
  });

  it('does not write through a symlinked key directory', async () => {
    const elsewhere = path.join(dir, 'elsewhere');
    await mkdir(elsewhere);
    await symlink(elsewhere, path.join(root, PREFIX));
    await expect(storage.put(KEY, Buffer.from('x'))).rejects.toThrow(/not a plain directory/);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('needs an absolute root', async () => {
    await expect(LocalStorage.open('relative/media')).rejects.toThrow(/absolute/);
  });
});

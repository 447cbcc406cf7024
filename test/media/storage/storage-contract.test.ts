import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buffer, text } from 'node:stream/consumers';
import { CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../src/media/storage/local-storage.js';
import { createS3Client, S3Storage } from '../../../src/media/storage/s3-storage.js';
import { InvalidStorageKeyError } from '../../../src/media/storage/storage-key.js';
import { MediaNotFoundError, type MediaStorage } from '../../../src/media/storage/storage.js';
import { makeTempDir } from '../../support/images.js';
import { startS3Server, type S3TestServer } from '../../support/s3-server.js';

// One suite over every MediaStorage, as Kysely runs every test over every dialect: whatever the
// app relies on (atomic replace, not-found, listing, key checks, crash leftovers) must hold for both.

const PREFIX = 'a1b2c3d4e5f60718';
const KEY = `${PREFIX}/original.jpg`;
const HOSTILE_KEYS = [
  '../secret.txt',
  `${PREFIX}/../../secret.txt`,
  '/etc/passwd',
  `/${PREFIX}/original.jpg`,
  `${PREFIX}/..`,
  `${PREFIX}/.`,
  `${PREFIX}/.tmp-x`,
  `${PREFIX}/a..b`,
  `${PREFIX}/sub/original.jpg`,
  `${PREFIX}\\original.jpg`,
  `${PREFIX}/orig\0.jpg`,
  `${PREFIX}/orig%2e%2e`,
  `${PREFIX}/${'a'.repeat(41)}`,
  `${'a'.repeat(65)}/original.jpg`,
  '',
];

// What the server under each kind guarantees or offers. s3rver (the test S3 server) rewrites an
// object in place, so its readers can see a torn replace (AWS S3, MinIO and Ceph replace whole),
// and it does not implement ListMultipartUploads.
const SERVER = {
  local: { replacesWhole: true, listsUploads: true },
  s3: { replacesWhole: false, listsUploads: false },
} as const;

interface Harness {
  readonly storage: MediaStorage;
  /** Another storage of the same kind beside this one (another root, another key prefix). */
  neighbour(): Promise<MediaStorage>;
  /** Leaves what a writer that died mid-put of `key` leaves, started `ageMs` ago. */
  interruptWrite(key: string, ageMs: number): Promise<void>;
  /** A storage of this kind whose place does not exist. */
  missing(): Promise<MediaStorage>;
  /** Everything physically present (files under the root, objects in the bucket). */
  rawEntries(): Promise<string[]>;
  /** S3: the commands sent so far, by name. */
  readonly commands?: string[];
  close(): Promise<void>;
}

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => s3?.stop());

async function localHarness(): Promise<Harness> {
  const { dir, remove } = await makeTempDir();
  const root = path.join(dir, 'media');
  const storage = await LocalStorage.open(root);
  return {
    storage,
    neighbour: () => LocalStorage.open(path.join(dir, 'other-media')),
    async interruptWrite(key, ageMs) {
      // A temporary file whose writer cannot be told from its tag, so only age can judge it.
      const directory = path.join(root, key.split('/')[0] ?? '');
      await mkdir(directory, { recursive: true });
      const file = path.join(directory, `.tmp-00000000.${randomBytes(12).toString('hex')}`);
      await writeFile(file, 'partial');
      const then = new Date(Date.now() - ageMs);
      await utimes(file, then, then);
    },
    async missing() {
      const gone = await LocalStorage.open(path.join(dir, 'gone'));
      await rm(path.join(dir, 'gone'), { recursive: true });
      return gone;
    },
    async rawEntries() {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(root, path.join(entry.parentPath, entry.name))).sort();
    },
    close: remove,
  };
}

async function s3Harness(): Promise<Harness> {
  const bucket = await s3.createBucket();
  const prefix = 'media/';
  // Two keys a page, so listing always crosses pages.
  const options = s3.storageOptions({ bucket, prefix, listPageSize: 2 });
  const client = createS3Client(options);
  const commands: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(context.commandName ?? '');
      return next(args);
    },
    { step: 'initialize' },
  );
  const storage = S3Storage.create(options, client);
  const opened: S3Storage[] = [storage];
  return {
    storage,
    async neighbour() {
      const other = S3Storage.create(s3.storageOptions({ bucket, prefix: 'other/' }));
      opened.push(other);
      return other;
    },
    async interruptWrite(key) {
      // A multipart upload with a part sent and never completed: what a crash inside Upload leaves.
      const { UploadId } = await s3.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${prefix}${key}` }));
      await s3.client.send(new UploadPartCommand({ Bucket: bucket, Key: `${prefix}${key}`, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 7) }));
    },
    async missing() {
      const gone = S3Storage.create(s3.storageOptions({ bucket: 'pv-no-such-bucket' }));
      opened.push(gone);
      return gone;
    },
    rawEntries: () => s3.listObjects(bucket),
    commands,
    async close() {
      for (const each of opened) each.close();
    },
  };
}

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all.sort();
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe.each(['local', 's3'] as const)('MediaStorage contract: %s', (kind) => {
  let harness: Harness;
  let storage: MediaStorage;

  beforeEach(async () => {
    harness = kind === 'local' ? await localHarness() : await s3Harness();
    storage = harness.storage;
  });
  afterEach(async () => harness.close());

  it('answers ping', async () => {
    await expect(storage.ping()).resolves.toBeUndefined();
  });

  it('returns exactly the bytes stored, with their size', async () => {
    const values = [Buffer.alloc(0), Buffer.from([0]), randomBytes(100_003)];
    for (const [i, data] of values.entries()) {
      await storage.put(`${PREFIX}/v${i}`, data);
    }
    for (const [i, data] of values.entries()) {
      const stored = await storage.get(`${PREFIX}/v${i}`);
      expect(stored.size).toBe(data.length);
      expect((await buffer(stored.stream)).equals(data)).toBe(true);
    }
  });

  it('stores, lists, checks and deletes', async () => {
    await storage.put(KEY, Buffer.from('hello photo'));
    await storage.put(`${PREFIX}/thumb.webp`, Buffer.from('thumb'));
    expect(await storage.exists(KEY)).toBe(true);
    expect(await storage.exists(`${PREFIX}/display.jpg`)).toBe(false);
    expect(await collect(storage.listKeys())).toEqual([KEY, `${PREFIX}/thumb.webp`]);

    await storage.delete(KEY);
    expect(await storage.exists(KEY)).toBe(false);
    expect(await collect(storage.listKeys())).toEqual([`${PREFIX}/thumb.webp`]);
    await expect(storage.get(KEY)).rejects.toBeInstanceOf(MediaNotFoundError);
  });

  it('deletes idempotently, and a never-stored key too', async () => {
    await storage.put(KEY, Buffer.from('x'));
    await storage.delete(KEY);
    await expect(storage.delete(KEY)).resolves.toBeUndefined();
    await expect(storage.delete(`${PREFIX}/never-stored`)).resolves.toBeUndefined();
    expect(await harness.rawEntries()).toEqual([]);
  });

  it('throws MediaNotFoundError for a key with no value', async () => {
    const error = await storage.get(`${PREFIX}/missing.jpg`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaNotFoundError);
    expect((error as MediaNotFoundError).key).toBe(`${PREFIX}/missing.jpg`);
  });

  it('replaces a value whole: a reader opened before keeps the old bytes, one after sees the new', async () => {
    await storage.put(KEY, Buffer.from('old bytes'));
    const before = await storage.get(KEY);
    await storage.put(KEY, Buffer.from('new'));
    expect(before.size).toBe(9);
    expect(await text(before.stream)).toBe('old bytes');
    const after = await storage.get(KEY);
    expect(after.size).toBe(3);
    expect(await text(after.stream)).toBe('new');
    expect(await collect(storage.listKeys())).toEqual([KEY]);
  });

  // s3rver rewrites objects in place (real S3 does not), so this runs where the server keeps the promise;
  // defined only there, so no run reports a skipped test.
  if (SERVER[kind].replacesWhole) it('never shows a reader a mix of two writes, or a size that is not its bytes', async () => {
    const a = Buffer.alloc(64 * 1024, 'a');
    const b = Buffer.alloc(48 * 1024, 'b');
    await storage.put(KEY, a);
    const writes = (async () => {
      for (let i = 0; i < 10; i++) await storage.put(KEY, i % 2 ? a : b);
    })();
    const reads = Array.from({ length: 20 }, async () => {
      const stored = await storage.get(KEY);
      const data = await buffer(stored.stream);
      expect(data.length).toBe(stored.size);
      expect(data.equals(a) || data.equals(b)).toBe(true);
    });
    await Promise.all([writes, ...reads]);
  });

  it('lists exactly what was stored, and nothing of a neighbour or of foreign entries', async () => {
    const keys = Array.from({ length: 5 }, (_, i) => `${PREFIX}/k${i}.jpg`).concat(`${'f'.repeat(32)}/thumb.jpg`);
    for (const key of keys) await storage.put(key, Buffer.from(key));
    const neighbour = await harness.neighbour();
    await neighbour.put(`${PREFIX}/neighbour.jpg`, Buffer.from('not mine'));
    await harness.interruptWrite(`${PREFIX}/half.jpg`, 0);
    expect(await collect(storage.listKeys())).toEqual([...keys].sort());
    expect(await collect(neighbour.listKeys())).toEqual([`${PREFIX}/neighbour.jpg`]);
    await expect(storage.get(`${PREFIX}/neighbour.jpg`)).rejects.toBeInstanceOf(MediaNotFoundError);
  });

  it('refuses hostile keys in every method and writes nothing', async () => {
    for (const key of HOSTILE_KEYS) {
      await expect(storage.put(key, Buffer.from('x')), key).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(storage.get(key), key).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(storage.exists(key), key).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(storage.delete(key), key).rejects.toBeInstanceOf(InvalidStorageKeyError);
    }
    expect(await harness.rawEntries()).toEqual([]);
  });

  it('keeps an interrupted write invisible, and removeIncomplete keeps every stored value', async () => {
    await storage.put(KEY, Buffer.from('kept'));
    await harness.interruptWrite(`${PREFIX}/half.jpg`, 60_000);
    await harness.interruptWrite(KEY, 60_000);
    expect(await storage.exists(`${PREFIX}/half.jpg`)).toBe(false);
    await expect(storage.get(`${PREFIX}/half.jpg`)).rejects.toBeInstanceOf(MediaNotFoundError);
    expect(await collect(storage.listKeys())).toEqual([KEY]);

    // A cutoff before the interrupted writes began keeps them (they may be live).
    expect(await storage.removeIncomplete(Date.now() - 3_600_000)).toBe(0);
    const removed = await storage.removeIncomplete(Date.now());
    expect(removed).toBe(SERVER[kind].listsUploads ? 2 : 0);
    expect(await text((await storage.get(KEY)).stream)).toBe('kept');
    expect(await collect(storage.listKeys())).toEqual([KEY]);
    if (kind === 'local') expect(await harness.rawEntries()).toEqual([KEY]);
  });

  it('stores a 12 MB object (multipart on S3), invisible until it is whole', async () => {
    const big = randomBytes(12 * 1024 * 1024);
    let done = false;
    const putting = storage.put(`${PREFIX}/big`, big).then(() => {
      done = true;
    });
    // Until put() resolves the key has no value: never a partial object.
    while (!done) {
      const seen = await storage.exists(`${PREFIX}/big`);
      if (seen && !done) expect((await storage.get(`${PREFIX}/big`)).size).toBe(big.length);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await putting;
    const stored = await storage.get(`${PREFIX}/big`);
    expect(stored.size).toBe(big.length);
    expect(sha256(await buffer(stored.stream))).toBe(sha256(big));
    // Three 5 MiB-or-less parts, then one object: never a single 12 MB PUT.
    if (harness.commands) {
      expect(harness.commands.filter((name) => name === 'UploadPartCommand')).toHaveLength(3);
      expect(harness.commands).toContain('CompleteMultipartUploadCommand');
      expect(harness.commands).not.toContain('PutObjectCommand');
    }
  });

  it('stores a local file streamed (putFile), small and multipart-sized, leaving the file in place', async () => {
    const { dir, remove } = await makeTempDir();
    try {
      for (const [name, data] of [['small', randomBytes(70_001)], ['large', randomBytes(6 * 1024 * 1024 + 17)]] as const) {
        const file = path.join(dir, name);
        await writeFile(file, data);
        await storage.putFile(`${PREFIX}/${name}.zip`, file);
        const stored = await storage.get(`${PREFIX}/${name}.zip`);
        expect(stored.size).toBe(data.length);
        expect(sha256(await buffer(stored.stream))).toBe(sha256(data));
        expect((await readdir(dir)).includes(name)).toBe(true);
      }
      for (const key of HOSTILE_KEYS) await expect(storage.putFile(key, path.join(dir, 'small')), key).rejects.toBeInstanceOf(InvalidStorageKeyError);
      await expect(storage.putFile(`${PREFIX}/absent.zip`, path.join(dir, 'absent'))).rejects.toThrow();
      expect(await collect(storage.listKeys())).toEqual([`${PREFIX}/large.zip`, `${PREFIX}/small.zip`].sort());
    } finally {
      await remove();
    }
  });

  it('fails ping when its place does not exist', async () => {
    await expect((await harness.missing()).ping()).rejects.toThrow();
  });
});

describe('S3 only: what the bucket holds is what the app wrote', () => {
  it('does not list objects of the bucket that are not media keys under its prefix', async () => {
    const bucket = await s3.createBucket();
    const storage = S3Storage.create(s3.storageOptions({ bucket, prefix: 'media/' }));
    try {
      for (const key of ['README', `media/${PREFIX}`, `media/${PREFIX}/Upper.JPG`, `media/${PREFIX}/../x`, `${PREFIX}/original.jpg`]) {
        await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'foreign' }));
      }
      await storage.put(KEY, Buffer.from('mine'));
      expect(await collect(storage.listKeys())).toEqual([KEY]);
      expect(await s3.listObjects(bucket)).toContain(`media/${KEY}`);
    } finally {
      storage.close();
    }
  });
});

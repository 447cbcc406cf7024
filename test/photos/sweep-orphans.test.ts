import { spawnSync } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { LocalStorage } from '../../src/media/storage/local-storage.js';
import { createPhotoRepository } from '../../src/photos/photo-repository.js';
import { sweepOrphans } from '../../src/photos/processing/sweep-orphans.js';
import { localStaging } from '../../src/photos/upload/staging.js';
import { PROCESS_TAG } from '../../src/runtime/process-identity.js';
import { DIALECTS, openMigratedDatabase, type TestDatabase } from '../support/databases.js';

const log = pino({ level: 'silent' });
const LIVE = 'a'.repeat(32);
const GONE = 'b'.repeat(32);
const FRESH = 'c'.repeat(32);

/** The pid of a process that has just exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe.each(DIALECTS)('orphan sweeper after a crash (%s)', (dialect) => {
  let database: TestDatabase;
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, database, close } = await openMigratedDatabase(dialect));
    const now = Date.now();
    await db.insertInto('users').values({ id: 'u1', username: 'u1', username_key: 'u1', email: 'u1@example.com', password_hash: 'x', created_at: now, password_changed_at: now }).execute();
    await db.insertInto('photos').values({ id: LIVE, owner_id: 'u1', status: 'ready', title: '', created_at: now }).execute();
  });
  afterAll(() => close());

  it("removes at once what a dead process of this machine was writing, and keeps a live writer's files", async () => {
    const staging = path.join(database.dataDir, 'uploads-restart');
    await mkdir(staging, { recursive: true });
    const storage = await LocalStorage.open(path.join(database.dataDir, 'media-restart'));
    const dead = `${PROCESS_TAG.split('-')[0]}-${deadPid()}`;
    const random = 'd'.repeat(32);
    await writeFile(path.join(staging, `${dead}.${random}.part`), 'half');
    await writeFile(path.join(staging, `${PROCESS_TAG}.${random}.part`), 'receiving now');
    await writeFile(path.join(staging, `${random}.part`), 'untagged, young');
    await writeFile(path.join(staging, `${GONE}.upload`), 'renamed, its row not yet inserted');
    await mkdir(path.join(database.dataDir, 'media-restart', LIVE));
    const temp = (tag: string) => path.join(database.dataDir, 'media-restart', LIVE, `.tmp-${tag}.${'e'.repeat(24)}`);
    await writeFile(temp(dead), 'half a thumbnail');
    await writeFile(temp(PROCESS_TAG), 'being written');
    // Another machine's writer (its tag's host part differs) is judged by age alone.
    await writeFile(temp(`00000000-${deadPid()}`), 'elsewhere');
    const removed = await sweepOrphans(createPhotoRepository(db), storage, localStaging(staging), log);
    expect(removed).toBe(2);
    expect((await readdir(staging)).sort()).toEqual([`${PROCESS_TAG}.${random}.part`, `${random}.part`, `${GONE}.upload`].sort());
    const left = (await readdir(path.join(database.dataDir, 'media-restart', LIVE))).sort();
    expect(left.map((name) => name.slice(0, 13))).toEqual(['.tmp-00000000', `.tmp-${PROCESS_TAG.split('-')[0]}`].sort());
    expect(left.some((name) => name.includes(PROCESS_TAG))).toBe(true);
    // An hour later, age removes them all: three staged files, two temporary ones, the emptied directory.
    expect(await sweepOrphans(createPhotoRepository(db), storage, localStaging(staging), log, { now: Date.now() + 3600_000 })).toBe(6);
    expect(await readdir(staging)).toEqual([]);
  });

  it('removes staged uploads and media that no photo row points at, and keeps the rest', async () => {
    const staging = path.join(database.dataDir, 'uploads');
    await mkdir(staging, { recursive: true });
    const storage = await LocalStorage.open(path.join(database.dataDir, 'media'));
    const old = new Date(Date.now() - 3600_000);
    for (const name of [`${LIVE}.upload`, `${GONE}.upload`, 'half.part', `${FRESH}.upload`]) {
      await writeFile(path.join(staging, name), 'bytes');
      if (name !== `${FRESH}.upload`) await utimes(path.join(staging, name), old, old);
    }
    await storage.put(`${LIVE}/thumb.jpg`, Buffer.from('live'));
    await storage.put(`${GONE}/thumb.jpg`, Buffer.from('gone'));
    await storage.put(`${GONE}/original`, Buffer.from('gone'));

    const removed = await sweepOrphans(createPhotoRepository(db), storage, localStaging(staging), log);
    expect(removed).toBe(4);
    // The young staged file may be an upload in flight in another process: kept until it ages.
    expect((await readdir(staging)).sort()).toEqual([`${LIVE}.upload`, `${FRESH}.upload`].sort());
    expect(await storage.exists(`${LIVE}/thumb.jpg`)).toBe(true);
    expect(await storage.exists(`${GONE}/thumb.jpg`)).toBe(false);
    expect(await storage.exists(`${GONE}/original`)).toBe(false);
  });
});

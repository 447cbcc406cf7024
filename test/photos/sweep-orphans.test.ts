import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { LocalStorage } from '../../src/media/storage/local-storage.js';
import { createPhotoRepository } from '../../src/photos/photo-repository.js';
import { sweepOrphans } from '../../src/photos/processing/sweep-orphans.js';
import { DIALECTS, openMigratedDatabase, type TestDatabase } from '../support/databases.js';

const log = pino({ level: 'silent' });
const LIVE = 'a'.repeat(32);
const GONE = 'b'.repeat(32);
const FRESH = 'c'.repeat(32);

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

  it('at start, removes every staged file a crashed process left, however young', async () => {
    const staging = path.join(database.dataDir, 'uploads-restart');
    await mkdir(staging, { recursive: true });
    const storage = await LocalStorage.open(path.join(database.dataDir, 'media-restart'));
    await writeFile(path.join(staging, 'crashed.part'), 'half');
    await writeFile(path.join(staging, `${GONE}.upload`), 'whole');
    const twoSecondsAgo = new Date(Date.now() - 2000);
    for (const name of ['crashed.part', `${GONE}.upload`]) await utimes(path.join(staging, name), twoSecondsAgo, twoSecondsAgo);
    await sweepOrphans(createPhotoRepository(db), storage, staging, log, { processStartedAt: Date.now() });
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

    const removed = await sweepOrphans(createPhotoRepository(db), storage, staging, log, { processStartedAt: Date.now() - 3600_000 });
    expect(removed).toBe(4);
    // The young staged file may be an upload in flight in another process: kept until it ages.
    expect((await readdir(staging)).sort()).toEqual([`${LIVE}.upload`, `${FRESH}.upload`].sort());
    expect(await storage.exists(`${LIVE}/thumb.jpg`)).toBe(true);
    expect(await storage.exists(`${GONE}/thumb.jpg`)).toBe(false);
    expect(await storage.exists(`${GONE}/original`)).toBe(false);
  });
});

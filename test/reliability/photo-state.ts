import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { createDatabase, type Db } from '../../src/db/database.js';
import { MEDIA_VARIANTS } from '../../src/photos/media-variants.js';

/** A read-only look at a server's SQLite database from outside the process. */
export function openDataDirDatabase(dataDir: string): Db {
  return createDatabase({ dialect: 'sqlite', file: path.join(dataDir, 'photovault.sqlite3') });
}

/** Polls until every photo is in a final state (or throws after `timeoutMs`); returns their statuses. */
export async function waitForFinalPhotos(db: Db, ids: readonly string[], timeoutMs = 30_000): Promise<Map<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await db.selectFrom('photos').select(['id', 'status']).where('id', 'in', [...ids]).execute();
    const statuses = new Map(rows.map((row) => [row.id, row.status]));
    if (ids.every((id) => ['ready', 'held', 'rejected', 'failed'].includes(statuses.get(id) ?? ''))) return statuses;
    if (Date.now() > deadline) throw new Error(`photos not final within ${timeoutMs} ms: ${JSON.stringify(Object.fromEntries(statuses))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * What "nothing lost, nothing stray" means on disk and in the database: exactly these photos, all
 * ready, one finished processing job each, each with exactly one full set of media files, no other
 * media directory, no temporary file, no staged upload.
 */
export async function expectExactlyReadyPhotos(db: Db, dataDir: string, ids: readonly string[]): Promise<void> {
  const photos = await db.selectFrom('photos').select(['id', 'status']).execute();
  expect(photos.map((p) => p.id).sort()).toEqual([...ids].sort());
  expect(photos.every((p) => p.status === 'ready'), JSON.stringify(photos)).toBe(true);
  const jobs = await db.selectFrom('jobs').select(['photo_id', 'status']).where('kind', '=', 'process_photo').execute();
  expect(jobs.map((j) => j.photo_id).sort()).toEqual([...ids].sort());
  expect(jobs.every((j) => j.status === 'done'), JSON.stringify(jobs)).toBe(true);
  const media = path.join(dataDir, 'media');
  expect((await readdir(media)).sort()).toEqual([...ids].sort());
  for (const id of ids) expect((await readdir(path.join(media, id))).sort(), id).toEqual([...MEDIA_VARIANTS].sort());
  expect(await readdir(path.join(dataDir, 'uploads'))).toEqual([]);
}

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestApp } from '../../support/app.js';
import { clientWithOwnAddress, type TestClient } from '../../support/client.js';

/** A signed-in client of a new user, from an address of its own; with the user's id. */
export async function newAccount(t: TestApp, username: string): Promise<{ client: TestClient; userId: string }> {
  const client = clientWithOwnAddress(t.app, 31);
  await client.signupAndLogin(username);
  const row = await t.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirstOrThrow();
  return { client, userId: row.id };
}

/** Every file under DATA_DIR/media, as `<prefix>/<name>` keys. */
export async function mediaFiles(t: TestApp): Promise<string[]> {
  const root = path.join(t.config.dataDir, 'media');
  const keys: string[] = [];
  for (const dir of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!dir.isDirectory()) continue;
    for (const file of await readdir(path.join(root, dir.name))) keys.push(`${dir.name}/${file}`);
  }
  return keys.sort();
}

/** The media files of these photo or export ids. */
export async function filesOf(t: TestApp, ids: readonly string[]): Promise<string[]> {
  return (await mediaFiles(t)).filter((key) => ids.includes(key.split('/')[0] ?? ''));
}

/**
 * Photos inserted straight into the database and storage (no pipeline): many of them quickly,
 * each with a distinct "original" of `bytes` random bytes. Returns their ids.
 */
export async function insertStoredPhotos(t: TestApp, ownerId: string, count: number, bytes = 20_000): Promise<string[]> {
  const { LocalStorage } = await import('../../../src/media/storage/local-storage.js');
  const storage = await LocalStorage.open(path.join(t.config.dataDir, 'media'));
  const ids: string[] = [];
  const at = Date.UTC(2025, 5, 1);
  for (let i = 0; i < count; i++) {
    const id = randomBytes(16).toString('hex');
    await t.db.insertInto('photos').values({ id, owner_id: ownerId, status: 'ready', title: `bulk ${i}`, format: 'jpeg', bytes, created_at: at + i }).execute();
    await storage.put(`${id}/original`, randomBytes(bytes));
    ids.push(id);
  }
  return ids;
}

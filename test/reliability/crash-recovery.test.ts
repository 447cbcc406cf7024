import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { findFreePort } from '../support/clamd.js';
import { smallJpeg } from '../support/photos.js';
import { HttpClient, photoIdOf, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { expectExactlyReadyPhotos, openDataDirDatabase, waitForFinalPhotos } from './photo-state.js';

/**
 * SIGKILL of the real server at every point of a photo's life after its upload was answered, then a
 * restart on the same data: every answered photo must become ready, with nothing stray left.
 */
describe('the server killed while it processes photos', () => {
  let dataDir = '';
  let server: ServerProcess | undefined;
  let db: Db | undefined;
  afterEach(async () => {
    await server?.kill();
    await db?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    server = undefined;
    db = undefined;
  });

  async function setUp(env: Record<string, string> = {}) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pv-kill-'));
    const port = await findFreePort();
    server = await startServerProcess({ port, dataDir, env });
    const client = new HttpClient(server.origin);
    await client.signupAndLogin('survivor');
    db = openDataDirDatabase(dataDir);
    return { port, client };
  }

  it('three rounds of four answered uploads, each followed by SIGKILL: all twelve become ready', async () => {
    const { port, client } = await setUp();
    const ids: string[] = [];
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all([0, 1, 2, 3].map(async (i) => client.upload(await smallJpeg(1200 + 10 * round, 900 + i, `#${round}${i}a`))));
      ids.push(...answers.map(photoIdOf));
      await server!.kill();
      server = await startServerProcess({ port, dataDir });
    }
    const statuses = await waitForFinalPhotos(db!, ids);
    expect([...statuses.values()].every((s) => s === 'ready'), JSON.stringify(Object.fromEntries(statuses))).toBe(true);
    await expectExactlyReadyPhotos(db!, dataDir, ids);
    // Each is served to its owner.
    for (const id of ids) expect((await client.request(`/photos/${id}/media/thumb.jpg`)).status).toBe(200);
  }, 120_000);

  const points: [string, Record<string, string>][] = [
    ['photo.validate', {}],
    ['photo.scan', {}],
    ['photo.transform', {}],
    ['photo.moderate', { MODERATION_ENABLED: 'true' }],
    ['photo.store', {}],
    ['photo.store.partial', {}],
    ['storage.put.before-rename', {}],
    ['photo.processed', {}],
  ];
  it.each(points)('killed at %s: the photo becomes ready after the restart, exactly once', async (point, env) => {
    const { port, client } = await setUp({ ...env, PHOTOVAULT_FAILPOINTS: point });
    const id = photoIdOf(await client.upload(await smallJpeg(1500, 1000, '#7a4')));
    await server!.waitForStderr(new RegExp(`^FAILPOINT ${point.replace(/\./g, '\\.')}$`));
    await server!.kill();
    server = await startServerProcess({ port, dataDir, env });
    const statuses = await waitForFinalPhotos(db!, [id]);
    expect(statuses.get(id)).toBe('ready');
    await expectExactlyReadyPhotos(db!, dataDir, [id]);
    const photo = await client.request(`/photos/${id}/media/original`);
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
  }, 90_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { findFreePort } from '../support/clamd.js';
import { smallJpeg } from '../support/photos.js';
import { HttpClient, photoIdOf, startServerProcess, startWorkerProcess, type ServerProcess } from '../support/server-process.js';
import { expectExactlyReadyPhotos, openDataDirDatabase, waitForFinalPhotos } from './photo-state.js';

/**
 * Scale-out on one database: a web process that runs no jobs and two `npm run worker` processes.
 * The worker processing a photo is SIGKILLed; the other, alive all along, takes the job over once
 * the dead one's heartbeat is overdue, and never before.
 */
describe('a worker process killed mid-job', () => {
  const processes: ServerProcess[] = [];
  let dataDir = '';
  let db: Db | undefined;
  afterAll(async () => {
    for (const process of processes) await process.kill();
    await db?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('is replaced by a live worker after JOB_HEARTBEAT_TIMEOUT_SECONDS', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pv-takeover-'));
    const heartbeat = { JOB_HEARTBEAT_TIMEOUT_SECONDS: '3' };
    const web = await startServerProcess({ port: await findFreePort(), dataDir, env: { WORKER_IN_PROCESS: 'false', ...heartbeat } });
    processes.push(web);
    const stuck = await startWorkerProcess({ dataDir, env: { PHOTOVAULT_FAILPOINTS: 'photo.transform', ...heartbeat } });
    processes.push(stuck);
    const client = new HttpClient(web.origin);
    await client.signupAndLogin('scaled');
    db = openDataDirDatabase(dataDir);

    const id = photoIdOf(await client.upload(await smallJpeg(1200, 800, '#258')));
    await stuck.waitForStderr(/^FAILPOINT photo\.transform$/);
    const spare = await startWorkerProcess({ dataDir, env: heartbeat });
    processes.push(spare);
    // The first worker is alive (stopped at a step, still renewing its lease): its job stays its own.
    await new Promise((r) => setTimeout(r, 6_000));
    const held = await db.selectFrom('jobs').select(['status', 'attempts']).where('photo_id', '=', id).executeTakeFirstOrThrow();
    expect(held).toEqual({ status: 'running', attempts: 1 });

    await stuck.kill();
    const killedAt = Date.now();
    const statuses = await waitForFinalPhotos(db, [id], 20_000);
    const tookMs = Date.now() - killedAt;
    expect(statuses.get(id)).toBe('ready');
    // Not before the lease could expire (3 s after the last renewal, which is at most 1 s old).
    expect(tookMs).toBeGreaterThanOrEqual(1_500);
    await expectExactlyReadyPhotos(db, dataDir, [id]);
    expect(await db.selectFrom('jobs').select('attempts').where('photo_id', '=', id).executeTakeFirstOrThrow()).toEqual({ attempts: 2 });
    expect(spare.stderr()).toContain('"event":"jobs_taken_over"');
  }, 120_000);
});

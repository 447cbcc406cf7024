import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../support/clamd.js';
import { makePngDeclaring, makeTruncatedJpeg } from '../support/images.js';
import { smallJpeg } from '../support/photos.js';
import { HttpClient, photoIdOf, startServerProcess, startWorkerProcess, type ServerProcess } from '../support/server-process.js';

// Issue 14 item 5: a web instance of the scale-out shape (WORKER_IN_PROCESS=false) never loads an
// image decoder. Its upload gate reads headers in JavaScript; the worker validates again with sharp
// and decodes strictly, so a file whose header is fine and whose pixels are not still ends rejected,
// with its reason shown to the owner. Both processes share one DATA_DIR (SQLite, media, staging).

const CORRUPT = 'This image is damaged or incomplete and could not be read. Try exporting it again.';

/** Whether a process has libvips (sharp's native addon and its library) mapped into memory. */
async function mapsImageDecoder(pid: number): Promise<boolean> {
  const maps = await readFile(`/proc/${pid}/maps`, 'utf8');
  return /libvips|sharp-[\w-]+\.node/.test(maps);
}

describe('a web-only instance next to a worker', () => {
  const processes: ServerProcess[] = [];
  let dataDir = '';
  let web: ServerProcess;
  let worker: ServerProcess;
  let client: HttpClient;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pv-web-only-'));
    web = await startServerProcess({ port: await findFreePort(), dataDir, env: { WORKER_IN_PROCESS: 'false', MODERATION_ENABLED: 'true' } });
    processes.push(web);
    worker = await startWorkerProcess({ dataDir, env: { MODERATION_ENABLED: 'false' } });
    processes.push(worker);
    client = new HttpClient(web.origin);
    await client.signupAndLogin('webonly');
  }, 120_000);
  afterAll(async () => {
    for (const process of processes) await process.kill();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function finalStatus(id: string): Promise<{ status: string; detail: string | null }> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = (await (await client.request(`/photos/${id}/status/`)).json()) as { status: string; detail: string | null; final: boolean };
      if (answer.final) return answer;
      if (Date.now() > deadline) throw new Error(`photo ${id} still ${answer.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('takes a photo that the worker then makes ready, the web process never mapping libvips', async () => {
    const id = photoIdOf(await client.upload(await smallJpeg(640, 480, '#369')));
    expect((await finalStatus(id)).status).toBe('ready');
    expect((await client.request(`/photos/${id}/media/thumb.jpg`)).status).toBe(200);
    expect(await mapsImageDecoder(web.child.pid!)).toBe(false);
    // The same check can fail: the worker, which decodes, has it mapped.
    expect(await mapsImageDecoder(worker.child.pid!)).toBe(true);
  }, 90_000);

  it('refuses a pixel flood at the door with the size in the message', async () => {
    const answer = await client.upload(makePngDeclaring(20_000, 20_000), 'bomb.png');
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(await answer.text()).toContain('This image is 20000 × 20000 pixels, more than the');
  });

  it('accepts a JPEG cut in its pixel data (its header is whole); the worker rejects it and the owner sees why', async () => {
    const id = photoIdOf(await client.upload(await makeTruncatedJpeg(0.6), 'cut.jpg'));
    expect(await finalStatus(id)).toMatchObject({ status: 'rejected', detail: CORRUPT });
    expect(await (await client.request(`/photos/${id}/`)).text()).toContain(CORRUPT);
    expect(await mapsImageDecoder(web.child.pid!)).toBe(false);
  }, 90_000);
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { STRENGTH_THREAD_IDLE_STOP_MS } from '../../src/accounts/password/strength-check.js';
import { findFreePort } from '../support/clamd.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { smallJpeg } from '../support/photos.js';
import { deleteKeys, redisMissing, TEST_REDIS_URL, testKeyPrefix } from '../support/redis.js';
import { describeWith } from '../support/requirements.js';
import { startS3Server, type S3TestServer } from '../support/s3-server.js';
import { HttpClient, photoIdOf, startServerProcess, startWorkerProcess, type ServerProcess } from '../support/server-process.js';

// Issue 14 item 5: in the scale-out shape a web instance never loads the moderation model or decodes
// full images, so it stays small; workers carry that weight. A web instance (WORKER_IN_PROCESS=false,
// moderation on) takes uploads and serves pages and thumbnails while a worker processes them (with
// the nsfwjs model); both processes' resident memory is read from /proc and printed.

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Issue 14 targets 150 MB for a web instance; measured here (docs/scale-out.md, "Memory of a web
// instance"), with no sharp on the web tier and its 1 MB semi-space, it serves uploads and reads at
// 139-150 MB (peak 150-152). A sign-up adds the password-strength thread (zxcvbn's dictionaries) for
// a few seconds, so its peak (195-198) has a bound of its own. Both bounds are the measured figures
// plus a margin for a busy machine: they guard against regressions.
const WEB_RSS_TARGET_MB = 150;
const WEB_LOAD_LIMIT_MB = 170;
const WEB_SIGNUP_LIMIT_MB = 220;
const UPLOADS = 12;
const READS = 300;

/** Resets a process's VmHWM to its current RSS (Linux `clear_refs` 5), so the next peak is of what follows. */
async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
}

/** Whether libvips (sharp's native addon) is mapped into a process. */
async function mapsLibvips(pid: number): Promise<boolean> {
  return /libvips|sharp-[\w-]+\.node/.test(await readFile(`/proc/${pid}/maps`, 'utf8'));
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
async function memoryOf(pid: number): Promise<{ rss: number; peak: number; threads: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: field('VmRSS') / 1024, peak: field('VmHWM') / 1024, threads: field('Threads') };
}

describeWith(await redisMissing(), 'memory of a web instance and a worker in the scale-out shape', () => {
  let database: TestDatabase;
  let s3: S3TestServer;
  let dataDir: string;
  let prefix: string;
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    // Measured as operators run it: the built dist/ with `npm start`'s flags (tsx alone adds ~80 MB).
    await run('npm', ['run', 'build'], { cwd: REPO_ROOT });
    [database, s3] = await Promise.all([createTestDatabase('postgres'), startS3Server()]);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pv-footprint-'));
    prefix = testKeyPrefix();
  }, 240_000);
  afterAll(async () => {
    for (const process of processes) await process.kill();
    await Promise.all([s3?.stop(), database?.drop(), deleteKeys(prefix)]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`keeps the web instance under ${WEB_LOAD_LIMIT_MB} MB under load (target ${WEB_RSS_TARGET_MB}), without the moderation model`, async () => {
    const env = { DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix, ...s3.env(s3.bucket), WORKER_IN_PROCESS: 'false', MODERATION_ENABLED: 'true' };
    // As deploy/compose.scale.yaml and deploy/k8s start a web instance: a 1 MB semi-space (the last of a repeated V8 flag wins).
    const web = await startServerProcess({ port: await findFreePort(), dataDir: path.join(dataDir, 'web'), env, built: true, nodeArgs: ['--max-semi-space-size=1'] });
    processes.push(web);
    const worker = await startWorkerProcess({ dataDir: path.join(dataDir, 'worker'), env, built: true });
    processes.push(worker);
    const idle = await memoryOf(web.child.pid!);

    const client = new HttpClient(web.origin);
    await client.signupAndLogin('footprint');
    const signedUp = await memoryOf(web.child.pid!);
    // The strength thread stops once idle; what follows is measured without it, from a fresh peak.
    const threadGone = Date.now() + STRENGTH_THREAD_IDLE_STOP_MS + 15_000;
    while ((await memoryOf(web.child.pid!)).threads >= signedUp.threads) {
      if (Date.now() > threadGone) throw new Error('the password-strength thread did not stop');
      await new Promise((r) => setTimeout(r, 250));
    }
    const settled = await memoryOf(web.child.pid!);
    await resetPeak(web.child.pid!);
    const ids: string[] = [];
    for (let i = 0; i < UPLOADS; i++) ids.push(photoIdOf(await client.upload(await smallJpeg(2400, 1600, `#${(0x246 + i * 0x111).toString(16).slice(-3)}`))));
    const deadline = Date.now() + 120_000;
    for (const id of ids) {
      for (;;) {
        const { status } = (await (await client.request(`/photos/${id}/status/`)).json()) as { status: string };
        if (status === 'ready' || status === 'held') break;
        if (Date.now() > deadline || status === 'failed' || status === 'rejected') throw new Error(`photo ${id}: ${status}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const uploaded = await memoryOf(web.child.pid!);
    // Reads, four at a time: gallery pages, photo pages, thumbnails and display images.
    const urls = Array.from({ length: READS }, (_, i) => {
      const id = ids[i % ids.length];
      return ['/photos/', `/photos/${id}/`, `/photos/${id}/media/thumb.jpg`, `/photos/${id}/media/display.jpg`][i % 4]!;
    });
    for (let i = 0; i < urls.length; i += 4) {
      const answers = await Promise.all(urls.slice(i, i + 4).map((url) => client.request(url).then(async (r) => (await r.arrayBuffer(), r.status))));
      expect(answers.every((status) => status === 200)).toBe(true);
    }

    const webAfter = await memoryOf(web.child.pid!);
    const workerAfter = await memoryOf(worker.child.pid!);
    console.info(
      `scale-out memory (MiB, built, npm start flags): web idle ${idle.rss.toFixed(0)}, after sign-up ${signedUp.rss.toFixed(0)} (peak ${signedUp.peak.toFixed(0)}), ` +
        `strength thread stopped ${settled.rss.toFixed(0)}; from there: after uploads ${uploaded.rss.toFixed(0)} (peak ${uploaded.peak.toFixed(0)}), after ${UPLOADS} uploads + ${READS} reads ${webAfter.rss.toFixed(0)} (peak ${webAfter.peak.toFixed(0)}, ${webAfter.threads} threads); ` +
        `worker after processing with moderation ${workerAfter.rss.toFixed(0)} (peak ${workerAfter.peak.toFixed(0)}, ${workerAfter.threads} threads)`,
    );
    expect(signedUp.peak).toBeLessThanOrEqual(WEB_SIGNUP_LIMIT_MB);
    expect(webAfter.peak).toBeLessThanOrEqual(WEB_LOAD_LIMIT_MB);
    // The model's thread (and its WebAssembly heap) exists only where jobs run, and so does libvips.
    expect(webAfter.threads).toBeLessThan(workerAfter.threads);
    expect(await mapsLibvips(web.child.pid!)).toBe(false);
    expect(await mapsLibvips(worker.child.pid!)).toBe(true);
  }, 240_000);
});

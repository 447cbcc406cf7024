/**
 * `npm run soak`: builds, starts the app from dist as `npm start` does (production mode, SQLite in a
 * temporary DATA_DIR, the built-in scanner, moderation on, telemetry exported over OTLP/HTTP to a
 * counting sink), then puts a paced, mixed load on it over loopback for SOAK_SECONDS (default 600):
 * gallery and photo pages, thumbnails and display images, anonymous pages, and an upload every 2 s
 * (one in ten a truncated JPEG, one in ten not an image). It samples the app's RSS every 2 s.
 *
 * Passes (exit 0) when no request failed (no 5xx, no transport error, no unexpected status), every
 * accepted photo is ready (or, for the bad files, refused or rejected with a reason) and the RSS
 * is flat: the average of the last minute is within 10% of the first minute after the warm-up
 * (the first 20% of the run). Writes reports/soak/<timestamp>.{json,md} and latest.{json,md}.
 *
 * SOAK_SECONDS=60       a short run
 * SOAK_SKIP_BUILD=1     use the existing dist/
 * SOAK_TELEMETRY=off    no OTLP endpoint
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchClient } from '../bench/client.js';
import { photoLikeJpeg } from '../bench/images.js';
import { startOtlpSink } from '../bench/otlp-sink.js';
import { readRssMb, ROOT, startBuiltApp, type AppProcess } from './app-process.js';
import { hit, paced, postUpload, Tally, type UploadKind } from './load.js';
import { summarizeRss, type RssSample } from './memory.js';
import { buildReport, formatMarkdown, type PhotoReport } from './report.js';

const SECONDS = positiveInteger('SOAK_SECONDS', 600);
const TELEMETRY = process.env['SOAK_TELEMETRY'] !== 'off';
const WARMUP_FRACTION = 0.2;
const WINDOW_SECONDS = 60;
const MAX_RSS_GROWTH = 0.1;
const SAMPLE_MS = 2_000;
const UPLOAD_INTERVAL_MS = 2_000;
const SEED_PHOTOS = 8;
const SETTLE_TIMEOUT_MS = 180_000;
// Whatever happens to the app, the soak stops by itself.
const HARD_STOP_MS = (SECONDS + 600) * 1000;
const FINAL = new Set(['ready', 'held', 'rejected', 'failed']);
const MEDIA = ['thumb.jpg', 'display.jpg'] as const;

interface Accepted {
  readonly id: string;
  readonly kind: UploadKind;
  status: string;
  detail: string;
}

async function main(): Promise<void> {
  // The commit measured is the one built now, whatever is committed while the soak runs.
  const git = gitState();
  const built = process.env['SOAK_SKIP_BUILD'] !== '1';
  if (built) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const work = await mkdtemp(path.join(os.tmpdir(), 'photovault-soak-'));
  const sink = TELEMETRY ? await startOtlpSink() : undefined;
  let app: AppProcess | undefined;
  try {
    const photos = await Promise.all([11, 12, 13, 14].map((seed) => photoLikeJpeg({ width: 1600, height: 1067, seed, grain: 8, quality: 85 })));
    const truncated = (photos[0] ?? Buffer.alloc(0)).subarray(0, 40_000);
    const notAnImage = Buffer.from('these are my holiday notes, not a photo\n'.repeat(200));
    app = await startBuiltApp({
      dataDir: path.join(work, 'data'),
      logFile: path.join(work, 'app.log'),
      env: sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_SERVICE_NAME: 'photovault-soak' } : {},
    });
    log(`app ready (pid ${app.pid}); ${SECONDS} s of load, warm-up ${Math.round(SECONDS * WARMUP_FRACTION)} s`);

    const owner = new BenchClient(app.base);
    await owner.signupAndLogin('soak');
    const anonymous = new BenchClient(app.base);
    const tally = new Tally();
    const accepted: Accepted[] = [];
    const readyIds: string[] = [];
    let refusedAtUpload = 0;
    let uploadsAnswered = 0;

    const upload = async (kind: UploadKind, bytes: Buffer, title: string) => {
      const { id, answer } = await postUpload(tally, owner, kind, bytes, title);
      if (!answer) return;
      uploadsAnswered++;
      if (id) accepted.push({ id, kind, status: 'pending', detail: '' });
      else if (answer.status >= 400 && answer.status < 500 && answer.body.toString().includes('class="field-errors"')) refusedAtUpload++;
    };
    const poll = async (limit: number) => {
      for (const photo of accepted.filter((p) => !FINAL.has(p.status)).slice(0, limit)) {
        const answer = await hit(tally, owner, 'status', `/photos/${photo.id}/status/`, [200], { headers: { accept: 'application/json' } });
        if (answer?.status !== 200) continue;
        const { status, detail } = JSON.parse(answer.body.toString()) as { status: string; detail: string | null };
        photo.status = status;
        photo.detail = detail ?? '';
        if (status === 'ready') readyIds.push(photo.id);
      }
    };

    for (let i = 0; i < SEED_PHOTOS; i++) await upload('photo', photos[i % photos.length] ?? Buffer.alloc(0), `seed ${i}`);
    for (let i = 0; i < 60 && readyIds.length < SEED_PHOTOS; i++) {
      await poll(SEED_PHOTOS);
      await sleep(500);
    }
    if (readyIds.length < SEED_PHOTOS) throw new Error(`seeding: only ${readyIds.length} of ${SEED_PHOTOS} photos ready after 30 s`);

    const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(Math.random() * list.length)];
    const loadStart = performance.now();
    const endAt = loadStart + SECONDS * 1000;
    const rss: RssSample[] = [];
    const pid = app.pid;
    const sampleRss = () => {
      const mb = readRssMb(pid);
      if (mb !== undefined) rss.push({ t: (performance.now() - loadStart) / 1000, mb });
    };
    sampleRss();
    const sampler = setInterval(sampleRss, SAMPLE_MS);
    const progress = setInterval(() => {
      const last = rss[rss.length - 1];
      log(`  ${Math.round((performance.now() - loadStart) / 1000)} s: ${tally.total} requests, ${tally.unexpected} unexpected, ${accepted.length} accepted, ${readyIds.length} ready, RSS ${last ? last.mb.toFixed(0) : '?'} MB`);
    }, 60_000);

    const pages = (i: number) => async (j: number) => {
      const id = pick(readyIds) ?? '';
      const path = [`/photos/`, `/photos/${id}/`, '/photos/?page=2'][(i + j) % 3] ?? '/photos/';
      await hit(tally, owner, path.endsWith('page=2') ? 'gallery page 2' : path === '/photos/' ? 'gallery' : 'photo page', path, [200]);
    };
    const media = async () => {
      const variant = pick(MEDIA) ?? 'thumb.jpg';
      await hit(tally, owner, variant.startsWith('thumb') ? 'thumbnail' : 'display image', `/photos/${pick(readyIds) ?? ''}/media/${variant}`, [200]);
    };
    const landing = async (j: number) => {
      await hit(tally, anonymous, j % 2 === 0 ? 'landing' : 'login page', j % 2 === 0 ? '/' : '/accounts/login/', [200]);
    };
    const uploads = async (j: number) => {
      const kind: UploadKind = j % 10 === 4 ? 'not_an_image' : j % 10 === 9 ? 'truncated' : 'photo';
      const bytes = kind === 'photo' ? (photos[j % photos.length] ?? Buffer.alloc(0)) : kind === 'truncated' ? truncated : notAnImage;
      await upload(kind, bytes, `soak ${j}`);
    };
    try {
      await Promise.all([
        paced(endAt, 50, pages(0)),
        paced(endAt, 50, pages(1)),
        paced(endAt, 33, media),
        paced(endAt, 33, media),
        paced(endAt, 100, landing),
        paced(endAt, UPLOAD_INTERVAL_MS, uploads),
        paced(endAt, 500, () => poll(10)),
      ]);
    } finally {
      clearInterval(sampler);
      clearInterval(progress);
    }
    sampleRss();
    const loadSeconds = (performance.now() - loadStart) / 1000;
    log(`load finished after ${loadSeconds.toFixed(0)} s; waiting for ${accepted.filter((p) => !FINAL.has(p.status)).length} photos to finish`);

    const settleDeadline = performance.now() + SETTLE_TIMEOUT_MS;
    while (accepted.some((p) => !FINAL.has(p.status)) && performance.now() < settleDeadline) {
      await poll(50);
      await sleep(500);
    }
    const photoReport = await checkPhotos(tally, owner, accepted, uploadsAnswered, refusedAtUpload);
    const memory = summarizeRss(rss, { warmupSeconds: SECONDS * WARMUP_FRACTION, windowSeconds: WINDOW_SECONDS, maxGrowth: MAX_RSS_GROWTH });
    const settings = { build: built ? 'npm run build' : 'existing dist/ (SOAK_SKIP_BUILD=1)', seconds: SECONDS, warmupSeconds: SECONDS * WARMUP_FRACTION, windowSeconds: WINDOW_SECONDS, maxRssGrowth: MAX_RSS_GROWTH, uploadIntervalMs: UPLOAD_INTERVAL_MS, database: 'sqlite', scanner: 'builtin', telemetry: TELEMETRY ? 'otlp/http to a local counting sink' : 'off' };
    const report = buildReport({ stamp, git, settings, maxRssGrowth: MAX_RSS_GROWTH, sampleSeconds: SAMPLE_MS / 1000, loadSeconds, tally, photos: photoReport, memory, rss, telemetry: sink?.stats() });
    const outDir = path.join(ROOT, 'reports', 'soak');
    await mkdir(outDir, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    const markdown = formatMarkdown(report);
    await Promise.all([
      writeFile(path.join(outDir, `${stamp}.json`), json),
      writeFile(path.join(outDir, 'latest.json'), json),
      writeFile(path.join(outDir, `${stamp}.md`), markdown),
      writeFile(path.join(outDir, 'latest.md'), markdown),
    ]);
    process.stdout.write(`\n${markdown}\n`);
    log(`wrote reports/soak/${stamp}.json and .md (and latest.*)`);
    if (!report.passed) {
      log(`soak FAILED: ${report.failures.join('; ')}`);
      process.exitCode = 1;
    }
  } catch (error) {
    if (app) log(`app stderr:\n${app.stderrTail()}\napp log tail:\n${(await readFile(path.join(work, 'app.log'), 'utf8').catch(() => '')).slice(-3000)}`);
    throw error;
  } finally {
    await app?.stop();
    await sink?.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** After the load: every accepted photo must be final; ready ones served; refused ones with a reason. */
async function checkPhotos(tally: Tally, owner: BenchClient, accepted: readonly Accepted[], uploadsAnswered: number, refusedAtUpload: number): Promise<PhotoReport> {
  const lost: string[] = [];
  let ready = 0;
  let rejectedWithReason = 0;
  for (const photo of accepted) {
    if (photo.status === 'ready') {
      const thumb = await hit(tally, owner, 'final check', `/photos/${photo.id}/media/thumb.jpg`, [200]);
      if (thumb?.status === 200) ready++;
      else lost.push(`${photo.id} (${photo.kind}): ready but its thumbnail answered ${thumb?.status ?? 'nothing'}`);
    } else if (photo.kind !== 'photo' && (photo.status === 'rejected' || photo.status === 'failed') && photo.detail.trim() !== '') {
      rejectedWithReason++;
    } else {
      lost.push(`${photo.id} (${photo.kind}): ${photo.status}${photo.detail ? ` — ${photo.detail}` : ''}`);
    }
  }
  return { uploadsAnswered, accepted: accepted.length, ready, refusedAtUpload, rejectedWithReason, lost: lost.length, lostSamples: lost.slice(0, 20) };
}

function gitState(): { commit: string; dirty: boolean } {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return { commit: head.stdout.trim() || 'unknown', dirty: status.stdout.trim() !== '' };
}

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9]\d{0,4}$/.test(raw)) throw new Error(`${name} must be a positive whole number`);
  return Number(raw);
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

const hardStop = setTimeout(() => {
  log(`soak: still running after ${HARD_STOP_MS / 1000} s, giving up`);
  process.exit(2);
}, HARD_STOP_MS);
hardStop.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    log(`soak: ${signal}, stopping`);
    process.exit(130);
  });
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

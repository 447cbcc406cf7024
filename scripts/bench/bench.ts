/**
 * `npm run bench`: builds, starts the app from dist in production mode (SQLite, a temporary
 * DATA_DIR, telemetry exported over OTLP/HTTP to a counting sink served here) and a bare node:http
 * server with the same landing page, seeds a user with 50 photos through the upload route, then
 * loads each scenario from a separate process over loopback and prints a table; the JSON goes to
 * reports/bench/<timestamp>.json and reports/bench/latest.json.
 *
 * BENCH_RUNS=3           medians of 3 runs, each with a fresh app and data directory (default 1)
 * BENCH_DURATION_SECONDS measured seconds per HTTP scenario (default 10, after a 3 s warm-up)
 * BENCH_SCENARIOS        comma list to run only some: landing,landing_bare,login,gallery,photo,thumbnail,uploads
 * BENCH_CPU_PROF=1       run the app with --cpu-prof; profiles land in reports/bench/profiles/<timestamp>/
 * BENCH_SKIP_BUILD=1     use the existing dist/
 * BENCH_TELEMETRY=off    no OTLP endpoint (to measure what telemetry costs; the targets are with it on)
 * BENCH_APP_ENV="A=1 B=2" extra environment for the app, for experiments (e.g. OTEL_TRACES_SAMPLER)
 * BENCH_NODE_ARGS="--x"  extra node/V8 flags for the app, after the start script's own (experiments)
 *
 * `npm run bench -- --scale-out` (or BENCH_SHAPE=scale-out) measures the upload scenario in three
 * shapes instead: the embedded default (one process), then the scale-out shape (`npm run migrate`,
 * one web process with WORKER_IN_PROCESS=false, PostgreSQL, Redis, s3rver; see scale-out.ts) with
 * 1 and with 2 worker processes (`npm run worker`): photos ready per second, the web process's and
 * the workers' peak RSS. BENCH_SCALE_STORAGE=disk keeps media on the local disk instead of s3rver.
 * JSON: reports/bench/scale-out-<timestamp>.json and scale-out-latest.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchClient, uploadAndWaitServed } from './client.js';
import { photoLikeJpeg } from './images.js';
import type { HttpLoadResult, LoadSpec, UploadLoadResult } from './load.js';
import { startOtlpSink, type OtlpSinkStats } from './otlp-sink.js';
import { startScaleOutServices, waitForOutput } from './scale-out.js';
import { snapshotThreads, threadUsageBetween, type ThreadGroupUsage } from './thread-cpu.js';
import { freePort, startCommand } from '../lib/start-command.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const RUNS = positiveInteger('BENCH_RUNS', 1);
const DURATION_SECONDS = positiveInteger('BENCH_DURATION_SECONDS', 10);
const WARMUP_SECONDS = 3;
const CONNECTIONS = 16;
const SEED_PHOTOS = 50;
const UPLOAD_CLIENTS = 4;
const UPLOADS_PER_CLIENT = 10;
const CPU_PROF = process.env['BENCH_CPU_PROF'] === '1';
const TELEMETRY = process.env['BENCH_TELEMETRY'] !== 'off';
const EXTRA_APP_ENV = Object.fromEntries(
  (process.env['BENCH_APP_ENV'] ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((pair) => [pair.slice(0, Math.max(0, pair.indexOf('='))), pair.slice(pair.indexOf('=') + 1)] as const)
    .filter(([name]) => /^[A-Z_][A-Z0-9_]*$/.test(name)),
);
const ALL_SCENARIOS = ['landing', 'landing_bare', 'login', 'gallery', 'photo', 'thumbnail', 'uploads'] as const;
type ScenarioName = (typeof ALL_SCENARIOS)[number];
type HttpScenarioName = Exclude<ScenarioName, 'uploads'>;
const SCENARIOS = selectedScenarios();
// The whole benchmark stops by itself, whatever happens to the app.
const RUN_TIMEOUT_MS = 8 * 60_000;

const LABELS: Record<ScenarioName, string> = {
  landing: 'landing GET /?name=bench',
  landing_bare: 'landing, bare node:http',
  login: 'login page',
  gallery: 'gallery GET /photos/ (50 photos)',
  photo: 'photo page GET /photos/<id>/',
  thumbnail: 'thumbnail /photos/<id>/media/thumb.jpg',
  uploads: `uploads ${UPLOAD_CLIENTS}×${UPLOADS_PER_CLIENT} of a 6 MP JPEG`,
};

interface RunResult {
  readonly startupMs: number;
  readonly peakRssMb: number;
  /** The largest VmRSS seen during each phase. */
  readonly rssByPhaseMb: Record<string, number>;
  readonly seedSeconds: number;
  readonly http: Partial<Record<HttpScenarioName, HttpLoadResult>>;
  readonly uploads: (UploadLoadResult & { readonly uploadP50Ms: number; readonly uploadP99Ms: number; readonly cpuMsPerPhoto: number; readonly threads: readonly ThreadGroupUsage[] }) | undefined;
  readonly telemetry: OtlpSinkStats;
  /** Each phase's [start, end] on the monotonic clock in µs, the clock of a .cpuprofile's timestamps. */
  readonly phases: Record<string, readonly [number, number]>;
}

// The app starts exactly as `npm start` does: its script's environment settings and node arguments.
const START = startCommand((process.env['BENCH_NODE_ARGS'] ?? '').split(/\s+/).filter((word) => word !== ''));
// Worker processes start exactly as `npm run worker` does.
const WORKER = startCommand((process.env['BENCH_NODE_ARGS'] ?? '').split(/\s+/).filter((word) => word !== ''), 'worker');
const SCALE_OUT = process.argv.slice(2).includes('--scale-out') || process.env['BENCH_SHAPE'] === 'scale-out';
const SCALE_STORAGE = process.env['BENCH_SCALE_STORAGE'] === 'disk' ? 'disk' : 's3';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`bench: ${signal}, stopping\n`);
    process.exit(130);
  });
}

async function main(): Promise<void> {
  if (process.env['BENCH_SKIP_BUILD'] !== '1') {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const stamp = new Date().toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const work = await mkdtemp(path.join(os.tmpdir(), 'photovault-bench-'));
  const profileDir = path.join(ROOT, 'reports', 'bench', 'profiles', stamp);
  try {
    const uploadJpeg = path.join(work, 'upload.jpg');
    await writeFile(uploadJpeg, await photoLikeJpeg({ width: 3000, height: 2000, seed: 42, grain: 16, quality: 85 }));
    const seedJpeg = await photoLikeJpeg({ width: 1600, height: 1067, seed: 7, grain: 8, quality: 85 });
    if (SCALE_OUT) {
      await scaleOutBench(work, uploadJpeg, stamp);
      return;
    }
    log(`upload image: 3000×2000, ${(readFileSync(uploadJpeg).length / 1e6).toFixed(2)} MB; ${RUNS} run(s), scenarios: ${SCENARIOS.join(', ')}`);

    const runs: RunResult[] = [];
    for (let run = 1; run <= RUNS; run++) {
      log(`run ${run}/${RUNS}`);
      runs.push(await withTimeout(runOnce(run, work, uploadJpeg, seedJpeg, CPU_PROF ? profileDir : undefined), RUN_TIMEOUT_MS, `run ${run}`));
    }

    const report = buildReport(runs, stamp);
    process.stdout.write(`\n${formatTable(report)}\n`);
    const outDir = path.join(ROOT, 'reports', 'bench');
    await mkdir(outDir, { recursive: true });
    const json = `${JSON.stringify(report, null, 2)}\n`;
    await writeFile(path.join(outDir, `${stamp}.json`), json);
    await writeFile(path.join(outDir, 'latest.json'), json);
    log(`wrote reports/bench/${stamp}.json and reports/bench/latest.json`);
    if (CPU_PROF) log(`CPU profiles in ${path.relative(ROOT, profileDir)}/ (summarise with: npx tsx scripts/bench/profile-top.ts <file>)`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function runOnce(run: number, work: string, uploadJpeg: string, seedJpeg: Buffer, profileDir: string | undefined): Promise<RunResult> {
  const sink = await startOtlpSink();
  const dataDir = await mkdtemp(path.join(work, `data-${run}-`));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = path.join(work, `app-${run}.log`);
  const logFd = openSync(logFile, 'w');
  if (profileDir) await mkdir(profileDir, { recursive: true });

  const started = performance.now();
  const app = track(
    spawn(process.execPath, [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...START.args], {
      cwd: ROOT,
      env: { ...START.env, ...appEnvironment(port, dataDir, sink.url) },
      stdio: ['ignore', logFd, 'pipe'],
    }),
  );
  closeSync(logFd);
  let appStderr = '';
  app.stderr?.on('data', (chunk: Buffer) => {
    appStderr = (appStderr + chunk.toString()).slice(-4000);
  });
  const memory = watchMemory(app.pid ?? 0);
  try {
    const startupMs = (await waitReady(base, app)) - started;
    log(`  ready in ${Math.round(startupMs)} ms`);

    const phases: Record<string, readonly [number, number]> = {};
    const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      memory.phase(name);
      const from = monotonicMicroseconds();
      try {
        return await work();
      } finally {
        phases[name] = [from, monotonicMicroseconds()];
      }
    };
    const seedStarted = performance.now();
    const owner = new BenchClient(base);
    // Its own phase (zxcvbn's thread), so that the startup phase's RSS is the ready app's.
    await phase('signup', () => owner.signupAndLogin('bench'));
    const seeded = await phase('seed', () => uploadAndWaitServed([owner, owner], seedJpeg, SEED_PHOTOS / 2));
    if (seeded.photos !== SEED_PHOTOS) throw new Error(`seeding: only ${seeded.photos} of ${SEED_PHOTOS} photos ready`);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    log(`  seeded ${SEED_PHOTOS} photos in ${seedSeconds.toFixed(1)} s`);

    const http: Partial<Record<HttpScenarioName, HttpLoadResult>> = {};
    const cookie = owner.cookieHeader();
    const photoPage = `/photos/${seeded.ids[0] ?? ''}/`;
    const thumb = `${photoPage}media/thumb.jpg`;
    const appTargets: Record<Exclude<HttpScenarioName, 'landing_bare'>, { path: string; headers: Record<string, string>; check: (body: string) => boolean }> = {
      landing: { path: '/?name=bench', headers: {}, check: (body) => body.includes('Hello, bench!') },
      login: { path: '/accounts/login/', headers: {}, check: (body) => body.includes('name="_csrf"') },
      gallery: { path: '/photos/', headers: { cookie }, check: (body) => (body.match(/class="tile"/g) ?? []).length === 48 },
      photo: { path: photoPage, headers: { cookie }, check: (body) => body.includes('id="photo-status"') },
      thumbnail: { path: thumb, headers: { cookie }, check: (body) => body.length > 0 },
    };
    for (const name of ['landing', 'landing_bare', 'login', 'gallery', 'photo', 'thumbnail'] as const) {
      if (!SCENARIOS.includes(name)) continue;
      if (name === 'landing_bare') {
        http.landing_bare = await phase(name, () => runBareLanding(base, work));
      } else {
        const target = appTargets[name];
        const probe = await fetch(new URL(target.path, base), { headers: target.headers, redirect: 'manual' });
        if (probe.status !== 200 || !target.check(await probe.text())) throw new Error(`${name}: ${target.path} answered ${probe.status}, not the expected page`);
        http[name] = await phase(name, () => runLoad<HttpLoadResult>({ kind: 'http', url: new URL(target.path, base).href, headers: target.headers, connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, durationSeconds: DURATION_SECONDS }, app.pid));
      }
      const result = http[name];
      if (result) log(`  ${name}: ${Math.round(result.rps)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, errors ${result.errors}${result.cpuUsPerRequest ? `, server CPU ${Math.round(result.cpuUsPerRequest)} µs/request` : ''}`);
    }

    let uploads: RunResult['uploads'];
    if (SCENARIOS.includes('uploads')) {
      // A phase of its own: each sign-up runs zxcvbn on its thread (~45-55 MB while it lives, stopped
      // after 10 idle seconds), which would otherwise be counted in the thumbnail phase's RSS.
      const uploaders = await phase('signups', async () => {
        const cookies: (readonly [string, string])[][] = [];
        for (let i = 1; i <= UPLOAD_CLIENTS; i++) {
          const client = new BenchClient(base);
          await client.signupAndLogin(`bench-uploader-${i}`);
          cookies.push([...client.cookies]);
        }
        return cookies;
      });
      const cpuBefore = processCpuMs(app.pid ?? 0);
      const threadsBefore = snapshotThreads(app.pid ?? 0);
      const result = await phase('uploads', () => runLoad<UploadLoadResult>({ kind: 'uploads', base, clients: uploaders, perClient: UPLOADS_PER_CLIENT, imagePath: uploadJpeg }));
      const cpuMsPerPhoto = (processCpuMs(app.pid ?? 0) - cpuBefore) / Math.max(1, result.photos);
      // Which threads did the work, and how long each waited for a core (issue 18: cores used by the work, not by waiting).
      const threads = threadUsageBetween(threadsBefore, snapshotThreads(app.pid ?? 0));
      uploads = { ...result, uploadP50Ms: percentile(result.uploadMs, 50), uploadP99Ms: percentile(result.uploadMs, 99), cpuMsPerPhoto, threads };
      log(`  uploads: ${uploads.photosPerSecond.toFixed(1)} photos ready/s (${result.photos} in ${(result.elapsedMs / 1000).toFixed(2)} s), upload answered p50 ${Math.round(uploads.uploadP50Ms)} ms, p99 ${Math.round(uploads.uploadP99Ms)} ms, errors ${result.errors}, server CPU ${Math.round(cpuMsPerPhoto)} ms/photo`);
      if (threads.length > 0) log(`  uploads per thread, CPU / waiting for a core (ms): ${threads.map((t) => `${t.name} ×${t.threads} ${t.cpuMs} / ${t.waitMs}`).join(', ')}`);
    }

    const peakRssMb = memory.peakMb();
    log(`  peak RSS ${Math.round(peakRssMb)} MB (largest RSS per phase: ${Object.entries(memory.byPhaseMb()).map(([name, mb]) => `${name} ${mb}`).join(', ')})`);
    return { startupMs, peakRssMb, rssByPhaseMb: memory.byPhaseMb(), seedSeconds, http, uploads, telemetry: sink.stats(), phases };
  } catch (error) {
    process.stderr.write(`app stderr:\n${appStderr}\napp log tail:\n${(await readFile(logFile, 'utf8').catch(() => '')).slice(-3000)}\n`);
    throw error;
  } finally {
    memory.stop();
    await stop(app);
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(logFile, { force: true });
  }
}

/** Captures the app's landing page (the first answer, with its headers) and loads a bare server serving it. */
async function runBareLanding(base: string, work: string): Promise<HttpLoadResult> {
  const response = await fetch(new URL('/?name=bench', base));
  const skip = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && !skip.has(name)) headers.push([name, value]);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push(['set-cookie', cookie]);
  const capture = path.join(work, 'landing-capture.json');
  await writeFile(capture, JSON.stringify({ status: response.status, headers, body: await response.text(), requestId: response.headers.get('x-request-id') ?? '' }));
  const bare = track(spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/bare-server.ts', capture], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }));
  try {
    const line = await firstLine(bare);
    const { port } = JSON.parse(line) as { port: number };
    return await runLoad<HttpLoadResult>({ kind: 'http', url: `http://127.0.0.1:${port}/?name=bench`, headers: {}, connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, durationSeconds: DURATION_SECONDS }, bare.pid);
  } finally {
    await stop(bare);
  }
}

/**
 * Runs one load in its own process. With `serverPid`, the server's CPU time (all its threads) over
 * the measured part is divided by the requests answered: CPU per request, which other work on a
 * shared machine disturbs far less than requests per second.
 */
async function runLoad<T extends HttpLoadResult | UploadLoadResult>(spec: LoadSpec, serverPid?: number): Promise<T> {
  const child = track(spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/load.ts', JSON.stringify(spec)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] }));
  let output = '';
  let cpuAtStart: number | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (cpuAtStart === undefined && serverPid !== undefined && output.includes('"event":"measure"')) cpuAtStart = processCpuMs(serverPid);
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const cpuAtEnd = serverPid === undefined ? undefined : processCpuMs(serverPid);
  if (code !== 0) throw new Error(`load generator exited with ${String(code)}`);
  const result = JSON.parse(output.trim().split('\n').pop() ?? '') as T;
  if (result.kind === 'http' && cpuAtStart !== undefined && cpuAtEnd !== undefined && result.requests > 0) {
    return { ...result, cpuUsPerRequest: ((cpuAtEnd - cpuAtStart) * 1000) / result.requests };
  }
  return result;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU time of a process and all its threads so far, in ms (from /proc/<pid>/stat). */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime); this array starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

function appEnvironment(port: number, dataDir: string, otlpEndpoint: string): NodeJS.ProcessEnv {
  // Only what the app needs: nothing inherited (DATABASE_URL, CLAMAV_*, OTEL_*) can change what is measured.
  const inherited = Object.fromEntries(['PATH', 'HOME', 'LANG', 'TZ'].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  return {
    ...inherited,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...(TELEMETRY ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, OTEL_SERVICE_NAME: 'photovault-bench' } : {}),
    ...EXTRA_APP_ENV,
  };
}

async function waitReady(base: string, app: ChildProcess): Promise<number> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (app.exitCode !== null) throw new Error(`the app exited with ${app.exitCode} before it was ready`);
    try {
      const response = await fetch(new URL('/readyz', base));
      await response.arrayBuffer();
      if (response.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  throw new Error('the app was not ready within 60 s');
}

/**
 * Polls /proc/<pid>/status every 100 ms: the peak is the larger of the kernel's high-water mark
 * (VmHWM) and every VmRSS seen; the largest VmRSS is also kept per phase, to show which one drives it.
 */
function watchMemory(pid: number) {
  let peakKb = 0;
  let current = 'startup';
  const byPhaseKb: Record<string, number> = {};
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      const highWater = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
      peakKb = Math.max(peakKb, rss, highWater);
      byPhaseKb[current] = Math.max(byPhaseKb[current] ?? 0, rss);
    } catch {
      // the process has exited
    }
  };
  const timer = setInterval(sample, 100);
  return {
    phase: (name: string) => {
      sample();
      current = name;
    },
    peakMb: () => {
      sample();
      return peakKb / 1024;
    },
    byPhaseMb: () => Object.fromEntries(Object.entries(byPhaseKb).map(([name, kb]) => [name, Math.round(kb / 1024)])),
    stop: () => clearInterval(timer),
  };
}

function monotonicMicroseconds(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline));
    });
    child.on('exit', (code) => reject(new Error(`bare server exited with ${String(code)}`)));
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 60_000} minutes`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- scale-out shape (--scale-out) ----

interface Shape {
  readonly name: string;
  /** 0: the embedded default (jobs in the web process, SQLite, local disk). */
  readonly workers: number;
}

const SHAPES: readonly Shape[] = [
  { name: 'embedded default', workers: 0 },
  { name: 'scale-out, 1 worker', workers: 1 },
  { name: 'scale-out, 2 workers', workers: 2 },
];

interface ShapeResult {
  readonly shape: string;
  readonly workers: number;
  readonly photos: number;
  readonly photosPerSecond: number;
  readonly uploadP50Ms: number;
  readonly uploadP99Ms: number;
  readonly errors: number;
  /** CPU time of every app process (web + workers, all threads) per photo. */
  readonly cpuMsPerPhoto: number;
  /** Peak RSS of the web process (the whole app in the embedded shape). */
  readonly webPeakRssMb: number;
  /** The web process's largest RSS while the uploads ran. */
  readonly webUploadsRssMb: number;
  /** The largest peak RSS among the worker processes (null: none). */
  readonly workerPeakRssMb: number | null;
}

async function scaleOutBench(work: string, uploadJpeg: string, stamp: string): Promise<void> {
  log(`scale-out bench: ${SHAPES.map((s) => s.name).join(', ')}; ${RUNS} run(s) of ${UPLOAD_CLIENTS}×${UPLOADS_PER_CLIENT} uploads of a 3000×2000 JPEG`);
  const perRun: ShapeResult[][] = [];
  let services: Record<string, string> = {};
  for (let run = 1; run <= RUNS; run++) {
    const results: ShapeResult[] = [];
    for (const shape of SHAPES) {
      log(`run ${run}/${RUNS}: ${shape.name}`);
      const { result, description } = await withTimeout(runShape(shape, work, uploadJpeg), RUN_TIMEOUT_MS, `${shape.name} (run ${run})`);
      if (description) services = description;
      results.push(result);
    }
    perRun.push(results);
  }
  const medianOf = (index: number, pick: (r: ShapeResult) => number) => median(perRun.map((results) => pick(results[index] as ShapeResult)));
  const shapes = SHAPES.map((shape, i) => ({
    shape: shape.name,
    workers: shape.workers,
    photosPerSecond: medianOf(i, (r) => r.photosPerSecond),
    uploadP50Ms: medianOf(i, (r) => r.uploadP50Ms),
    uploadP99Ms: medianOf(i, (r) => r.uploadP99Ms),
    errors: perRun.reduce((sum, results) => sum + (results[i]?.errors ?? 0), 0),
    cpuMsPerPhoto: medianOf(i, (r) => r.cpuMsPerPhoto),
    webPeakRssMb: medianOf(i, (r) => r.webPeakRssMb),
    webUploadsRssMb: medianOf(i, (r) => r.webUploadsRssMb),
    workerPeakRssMb: shape.workers === 0 ? null : medianOf(i, (r) => r.workerPeakRssMb ?? 0),
  }));
  const report = {
    timestamp: stamp,
    runs: RUNS,
    machine: { node: process.version, cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30), loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    git: gitState(),
    settings: { uploadClients: UPLOAD_CLIENTS, uploadsPerClient: UPLOADS_PER_CLIENT, telemetry: TELEMETRY ? 'otlp/http to a local counting sink' : 'off', workerConcurrency: 'default (min(4, CPUs)) per process', moderation: 'on (default)', scanner: 'builtin', scaleOutStorage: SCALE_STORAGE, ...services },
    median: shapes,
    perRun,
  };
  const rows: string[][] = [['shape', 'photos ready/s', 'upload p50 ms', 'p99 ms', 'errors', 'CPU ms/photo', 'web peak RSS MB', 'web RSS in uploads MB', 'worker peak RSS MB']];
  for (const s of shapes) {
    rows.push([s.shape, s.photosPerSecond.toFixed(1), String(Math.round(s.uploadP50Ms)), String(Math.round(s.uploadP99Ms)), String(s.errors), String(Math.round(s.cpuMsPerPhoto)), String(Math.round(s.webPeakRssMb)), String(Math.round(s.webUploadsRssMb)), s.workerPeakRssMb === null ? '-' : String(Math.round(s.workerPeakRssMb))]);
  }
  const title = `photovault scale-out bench (scale-out media on ${SCALE_STORAGE === 'disk' ? 'local disk' : 's3rver'}) — ${RUNS === 1 ? '1 run' : `median of ${RUNS} runs`}, Node ${process.version}, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0]?.toFixed(2) ?? '?'} at the end, telemetry ${TELEMETRY ? 'on' : 'OFF'}`;
  process.stdout.write(`\n${[title, ...alignRows(rows)].join('\n')}\n`);
  const outDir = path.join(ROOT, 'reports', 'bench');
  await mkdir(outDir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(path.join(outDir, `scale-out-${stamp}.json`), json);
  await writeFile(path.join(outDir, 'scale-out-latest.json'), json);
  log(`wrote reports/bench/scale-out-${stamp}.json and reports/bench/scale-out-latest.json`);
}

/** One shape: its services and processes started fresh, uploads from UPLOAD_CLIENTS users, everything stopped. */
async function runShape(shape: Shape, work: string, uploadJpeg: string): Promise<{ result: ShapeResult; description: Record<string, string> | undefined }> {
  const sink = await startOtlpSink();
  const services = shape.workers > 0 ? await startScaleOutServices(SCALE_STORAGE) : undefined;
  const dataDir = services?.dataDir ?? (await mkdtemp(path.join(work, 'data-')));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { ...appEnvironment(port, dataDir, sink.url), ...(services?.env ?? {}) };
  const processes: ChildProcess[] = [];
  const watches: ReturnType<typeof watchMemory>[] = [];
  const output: string[] = [];
  const spawnApp = (command: { env: Record<string, string>; args: readonly string[] }, extra: Record<string, string>, capture: boolean) => {
    const child = track(spawn(process.execPath, [...command.args], { cwd: ROOT, env: { ...command.env, ...env, ...extra }, stdio: ['ignore', capture ? 'pipe' : 'ignore', 'pipe'] }));
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString().slice(-2000)));
    processes.push(child);
    watches.push(watchMemory(child.pid ?? 0));
    return child;
  };
  try {
    if (services) {
      // As a deployment does: migrations once, then web and workers start together.
      const migrate = spawnSync(process.execPath, ['dist/migrate.js'], { cwd: ROOT, env, encoding: 'utf8' });
      if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
    }
    const web = spawnApp(START, services ? { WORKER_IN_PROCESS: 'false' } : {}, false);
    const workers = Array.from({ length: shape.workers }, () => spawnApp(WORKER, {}, true));
    await waitReady(base, web);
    await Promise.all(workers.map((worker) => waitForOutput(worker, /"msg":"worker started"/, 60_000)));
    for (const worker of workers) worker.stdout?.resume();

    const uploaders: (readonly [string, string])[][] = [];
    for (let i = 1; i <= UPLOAD_CLIENTS; i++) {
      const client = new BenchClient(base);
      await client.signupAndLogin(`bench-uploader-${i}`);
      uploaders.push([...client.cookies]);
    }
    const cpu = () => processes.reduce((sum, child) => sum + processCpuMs(child.pid ?? 0), 0);
    const cpuBefore = cpu();
    for (const watch of watches) watch.phase('uploads');
    const uploads = await runLoad<UploadLoadResult>({ kind: 'uploads', base, clients: uploaders, perClient: UPLOADS_PER_CLIENT, imagePath: uploadJpeg });
    const cpuMsPerPhoto = (cpu() - cpuBefore) / Math.max(1, uploads.photos);
    const [webWatch, ...workerWatches] = watches;
    const result: ShapeResult = {
      shape: shape.name,
      workers: shape.workers,
      photos: uploads.photos,
      photosPerSecond: uploads.photosPerSecond,
      uploadP50Ms: percentile(uploads.uploadMs, 50),
      uploadP99Ms: percentile(uploads.uploadMs, 99),
      errors: uploads.errors,
      cpuMsPerPhoto,
      webPeakRssMb: webWatch?.peakMb() ?? Number.NaN,
      webUploadsRssMb: webWatch?.byPhaseMb()['uploads'] ?? Number.NaN,
      workerPeakRssMb: workerWatches.length === 0 ? null : Math.max(...workerWatches.map((watch) => watch.peakMb())),
    };
    log(`  ${result.photosPerSecond.toFixed(1)} photos ready/s (${result.photos} photos, errors ${result.errors}), CPU ${Math.round(cpuMsPerPhoto)} ms/photo, web peak RSS ${Math.round(result.webPeakRssMb)} MB (${result.webUploadsRssMb} MB during uploads)${result.workerPeakRssMb === null ? '' : `, worker peak RSS ${Math.round(result.workerPeakRssMb)} MB`}`);
    return { result, description: services?.description };
  } catch (error) {
    process.stderr.write(`app stderr:\n${output.join('').slice(-4000)}\n`);
    throw error;
  } finally {
    for (const watch of watches) watch.stop();
    await Promise.all(processes.map((child) => stop(child)));
    await sink.close();
    if (services) await services.close();
    else await rm(dataDir, { recursive: true, force: true });
  }
}

// ---- report ----

interface ScenarioSummary {
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Server CPU time (all threads) per request. */
  readonly cpuUsPerRequest: number | null;
}

interface Target {
  readonly name: string;
  readonly target: string;
  readonly value: number | null;
  readonly met: boolean | null;
}

interface Report {
  readonly timestamp: string;
  readonly runs: number;
  readonly machine: { readonly node: string; readonly cpus: number; readonly cpuModel: string; readonly memoryGb: number };
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly settings: Record<string, number | string | boolean>;
  /** Medians over the runs. */
  readonly median: {
    readonly http: Partial<Record<HttpScenarioName, ScenarioSummary>>;
    readonly uploads: { readonly photosPerSecond: number; readonly uploadP50Ms: number; readonly uploadP99Ms: number; readonly errors: number; readonly cpuMsPerPhoto: number } | null;
    readonly landingVsBare: number | null;
    readonly peakRssMb: number;
    readonly startupMs: number;
  };
  readonly targets: readonly Target[];
  readonly perRun: readonly RunResult[];
}

function buildReport(runs: readonly RunResult[], stamp: string): Report {
  const http: Partial<Record<HttpScenarioName, ScenarioSummary>> = {};
  for (const name of ALL_SCENARIOS) {
    if (name === 'uploads') continue;
    const results = runs.flatMap((run) => (run.http[name] ? [run.http[name]] : []));
    if (results.length === 0) continue;
    http[name] = {
      rps: median(results.map((r) => r.rps)),
      p50Ms: median(results.map((r) => r.p50Ms)),
      p99Ms: median(results.map((r) => r.p99Ms)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      cpuUsPerRequest: results.every((r) => r.cpuUsPerRequest !== undefined) ? median(results.map((r) => r.cpuUsPerRequest ?? 0)) : null,
    };
  }
  const uploadRuns = runs.flatMap((run) => (run.uploads ? [run.uploads] : []));
  const uploads =
    uploadRuns.length === 0
      ? null
      : {
          photosPerSecond: median(uploadRuns.map((u) => u.photosPerSecond)),
          uploadP50Ms: median(uploadRuns.map((u) => u.uploadP50Ms)),
          uploadP99Ms: median(uploadRuns.map((u) => u.uploadP99Ms)),
          errors: uploadRuns.reduce((sum, u) => sum + u.errors, 0),
          cpuMsPerPhoto: median(uploadRuns.map((u) => u.cpuMsPerPhoto)),
        };
  // The ratio is taken within each run (app and bare server measured minutes apart on the same machine), then the median.
  const ratios = runs.flatMap((run) => (run.http.landing && run.http.landing_bare ? [run.http.landing.rps / run.http.landing_bare.rps] : []));
  const landingVsBare = ratios.length > 0 ? median(ratios) : null;
  const peakRssMb = median(runs.map((r) => r.peakRssMb));
  const startupMs = median(runs.map((r) => r.startupMs));

  const check = (name: string, target: string, value: number | null | undefined, ok: (v: number) => boolean): Target => ({
    name,
    target,
    value: value ?? null,
    met: value === null || value === undefined ? null : ok(value),
  });
  const targets: Target[] = [
    check('landing req/s vs bare node:http', '≥ 0.50', landingVsBare, (v) => v >= 0.5),
    check('gallery req/s', '≥ 5000', http.gallery?.rps, (v) => v >= 5000),
    check('gallery p99 ms', '≤ 20', http.gallery?.p99Ms, (v) => v <= 20),
    check('thumbnail req/s', '≥ 8000', http.thumbnail?.rps, (v) => v >= 8000),
    check('thumbnail p99 ms', '≤ 20', http.thumbnail?.p99Ms, (v) => v <= 20),
    check('thumbnail server CPU µs/request', '≤ 120', http.thumbnail?.cpuUsPerRequest, (v) => v <= 120),
    // Issue 18's upload targets (they replace the older "≥ 14 photos ready per second").
    check('photos ready per second', '≥ 10', uploads?.photosPerSecond, (v) => v >= 10),
    check('server CPU ms per photo', '≤ 150', uploads?.cpuMsPerPhoto, (v) => v <= 150),
    check('upload answered p99 ms (under that load)', '≤ 150', uploads?.uploadP99Ms, (v) => v <= 150),
    check('peak RSS MB', '≤ 300', peakRssMb, (v) => v <= 300),
    check('start-up to ready /readyz ms', '≤ 2000', startupMs, (v) => v <= 2000),
  ];
  return {
    timestamp: stamp,
    runs: runs.length,
    machine: { node: process.version, cpus: os.availableParallelism(), cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(os.totalmem() / 2 ** 30) },
    git: gitState(),
    settings: { connections: CONNECTIONS, warmupSeconds: WARMUP_SECONDS, durationSeconds: DURATION_SECONDS, seedPhotos: SEED_PHOTOS, uploadClients: UPLOAD_CLIENTS, uploadsPerClient: UPLOADS_PER_CLIENT, cpuProfile: CPU_PROF, database: 'sqlite', scanner: 'builtin', telemetry: TELEMETRY ? 'otlp/http to a local counting sink' : 'off', extraAppEnv: Object.entries(EXTRA_APP_ENV).map(([k, v]) => `${k}=${v}`).join(' ') },
    median: { http, uploads, landingVsBare, peakRssMb, startupMs },
    targets,
    perRun: runs,
  };
}

function formatTable(report: Report): string {
  const rows: string[][] = [['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'server CPU µs/req']];
  for (const name of ALL_SCENARIOS) {
    if (name === 'uploads') continue;
    const s = report.median.http[name];
    if (s) rows.push([LABELS[name], String(Math.round(s.rps)), String(s.p50Ms), String(s.p99Ms), String(s.errors), s.cpuUsPerRequest === null ? '' : String(Math.round(s.cpuUsPerRequest))]);
  }
  const u = report.median.uploads;
  if (u) rows.push([`${LABELS.uploads}: ${u.photosPerSecond.toFixed(1)} photos ready/s`, '', String(Math.round(u.uploadP50Ms)), String(Math.round(u.uploadP99Ms)), String(u.errors), `${Math.round(u.cpuMsPerPhoto)} ms/photo`]);
  const out = [`photovault bench — ${report.runs === 1 ? '1 run' : `median of ${report.runs} runs`}, ${CONNECTIONS} connections, ${DURATION_SECONDS} s after ${WARMUP_SECONDS} s warm-up, Node ${report.machine.node}, ${report.machine.cpus} CPUs, telemetry ${TELEMETRY ? 'on' : 'OFF'}`];
  out.push(...alignRows(rows));
  out.push('', `peak RSS ${Math.round(report.median.peakRssMb)} MB; start-up to ready /readyz ${Math.round(report.median.startupMs)} ms`);
  if (report.median.landingVsBare !== null) out.push(`landing page at ${(report.median.landingVsBare * 100).toFixed(0)}% of the bare node:http server`);
  out.push('', 'targets:');
  for (const t of report.targets) {
    if (t.value === null) continue;
    out.push(`  ${t.met ? 'met ' : 'MISS'}  ${t.name} ${t.target}: ${Number.isInteger(t.value) ? t.value : t.value.toFixed(2)}`);
  }
  return out.join('\n');
}

/** The rows as lines of aligned columns: the first left-aligned, the others right-aligned. */
function alignRows(rows: readonly string[][]): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '));
}

function gitState(): { commit: string; dirty: boolean } {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return { commit: head.stdout.trim() || 'unknown', dirty: status.stdout.trim() !== '' };
}

/** Nearest-rank percentile (with 40 samples, p99 is the slowest one). */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9]\d{0,3}$/.test(raw)) throw new Error(`${name} must be a positive whole number`);
  return Number(raw);
}

function selectedScenarios(): readonly ScenarioName[] {
  const raw = process.env['BENCH_SCENARIOS'];
  if (!raw) return ALL_SCENARIOS;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) if (!(ALL_SCENARIOS as readonly string[]).includes(name)) throw new Error(`BENCH_SCENARIOS: unknown scenario ${name} (known: ${ALL_SCENARIOS.join(', ')})`);
  return names as ScenarioName[];
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);


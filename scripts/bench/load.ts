/**
 * The load generator, run as its own process so its CPU is never the measured server's:
 * `node --import tsx scripts/bench/load.ts '<json spec>'` prints one JSON result line.
 */
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import { BenchClient, uploadAndWaitServed } from './client.js';

export interface HttpLoadSpec {
  readonly kind: 'http';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface UploadLoadSpec {
  readonly kind: 'uploads';
  readonly base: string;
  /** Each client's cookies (a signed-in session). */
  readonly clients: readonly (readonly [string, string])[][];
  readonly perClient: number;
  readonly imagePath: string;
}

export type LoadSpec = HttpLoadSpec | UploadLoadSpec;

export interface HttpLoadResult {
  readonly kind: 'http';
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly statusCodes: Record<string, number>;
  /** The server's CPU time (all threads) per request while measured; set by the bench. */
  readonly cpuUsPerRequest?: number;
}

export interface UploadLoadResult {
  readonly kind: 'uploads';
  readonly photos: number;
  readonly elapsedMs: number;
  readonly photosPerSecond: number;
  readonly uploadMs: readonly number[];
  readonly errors: number;
}

async function runHttp(spec: HttpLoadSpec): Promise<HttpLoadResult> {
  const options = { url: spec.url, connections: spec.connections, headers: spec.headers, timeout: 10 };
  if (spec.warmupSeconds > 0) await autocannon({ ...options, duration: spec.warmupSeconds });
  // Tells the bench to sample the server's CPU time: the measured part starts now.
  process.stdout.write(`${JSON.stringify({ event: 'measure' })}\n`);
  const result = await autocannon({ ...options, duration: spec.durationSeconds });
  const requests = result.latency.totalCount ?? result.requests.total;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  return {
    kind: 'http',
    requests,
    seconds: result.duration,
    rps: requests / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    statusCodes,
  };
}

async function runUploads(spec: UploadLoadSpec): Promise<UploadLoadResult> {
  const jpeg = await readFile(spec.imagePath);
  const clients = spec.clients.map((cookies) => {
    const client = new BenchClient(spec.base);
    for (const [name, value] of cookies) client.cookies.set(name, value);
    return client;
  });
  const result = await uploadAndWaitServed(clients, jpeg, spec.perClient);
  return { kind: 'uploads', photos: result.photos, elapsedMs: result.elapsedMs, photosPerSecond: result.photosPerSecond, uploadMs: result.uploadMs, errors: result.errors };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const result = spec.kind === 'http' ? await runHttp(spec) : await runUploads(spec);
process.stdout.write(`${JSON.stringify(result)}\n`);

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchClient } from '../bench/client.js';
import { multipartBody } from '../lib/multipart.js';

const REQUEST_TIMEOUT_MS = 30_000;

export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx';

interface KindStats {
  count: number;
  readonly ms: number[];
  readonly byStatus: Record<string, number>;
}

/** Every answer of the soak, by kind of request and status class, with the unexpected ones kept aside. */
export class Tally {
  readonly byClass: Record<StatusClass, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  readonly byKind = new Map<string, KindStats>();
  transportErrors = 0;
  /** Answers other than the expected status (each a 5xx, a transport error or a wrong status). */
  unexpected = 0;
  readonly samples: string[] = [];

  record(kind: string, status: number | 'transport', ms: number, expected: readonly number[], detail = ''): void {
    let stats = this.byKind.get(kind);
    if (!stats) {
      stats = { count: 0, ms: [], byStatus: {} };
      this.byKind.set(kind, stats);
    }
    stats.count++;
    stats.ms.push(ms);
    stats.byStatus[String(status)] = (stats.byStatus[String(status)] ?? 0) + 1;
    if (status === 'transport') this.transportErrors++;
    else this.byClass[`${Math.floor(status / 100)}xx` as StatusClass]++;
    if (status === 'transport' || !expected.includes(status)) {
      this.unexpected++;
      if (this.samples.length < 20) this.samples.push(`${kind}: ${status} ${detail}`.trim().slice(0, 300));
    }
  }

  get total(): number {
    return this.byClass['2xx'] + this.byClass['3xx'] + this.byClass['4xx'] + this.byClass['5xx'] + this.transportErrors;
  }
}

export interface Hit {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/** One request with the client's cookies, bounded by a timeout, recorded in the tally; undefined on a transport error. */
export async function hit(tally: Tally, client: BenchClient, kind: string, path: string, expected: readonly number[], init: { method?: string; body?: Buffer; headers?: Record<string, string> } = {}): Promise<Hit | undefined> {
  const started = performance.now();
  try {
    const cookie = client.cookieHeader();
    const response = await fetch(new URL(path, client.base), {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { origin: client.base, ...(cookie ? { cookie } : {}), ...(init.headers ?? {}) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(init.body === undefined ? {} : { body: new Uint8Array(init.body) }),
    });
    const body = Buffer.from(await response.arrayBuffer());
    tally.record(kind, response.status, performance.now() - started, expected, response.status >= 500 ? body.toString('utf8', 0, 200) : path);
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    tally.record(kind, 'transport', performance.now() - started, expected, `${path} ${String(error)}`);
    return undefined;
  }
}

/** Runs `body` every `intervalMs` (never faster; slower when the app is) until `endAt`. */
export async function paced(endAt: number, intervalMs: number, body: (i: number) => Promise<void>): Promise<void> {
  const start = performance.now();
  for (let i = 0; performance.now() < endAt; i++) {
    await body(i);
    const wait = Math.min(start + (i + 1) * intervalMs, endAt) - performance.now();
    if (wait > 0) await sleep(wait);
  }
}

export type UploadKind = 'photo' | 'truncated' | 'not_an_image';

/** Posts the upload form as a browser does; the photo id when accepted (303), else the answer. */
export async function postUpload(tally: Tally, client: BenchClient, kind: UploadKind, bytes: Buffer, title: string): Promise<{ id?: string; answer?: Hit }> {
  const token = await client.uploadToken();
  const { payload, contentType } = multipartBody([
    { name: '_csrf', value: token },
    { name: 'title', value: title },
    { name: 'image', value: bytes, filename: kind === 'not_an_image' ? 'notes.jpg' : 'soak.jpg', contentType: 'image/jpeg' },
  ]);
  // A bad file may be refused at once (4xx with a message) or accepted and rejected by the pipeline.
  const expected = kind === 'photo' ? [303] : [303, 400, 415, 422];
  const answer = await hit(tally, client, `upload (${kind})`, '/photos/upload/', expected, { method: 'POST', body: payload, headers: { 'content-type': contentType } });
  const id = /^\/photos\/([0-9a-f]{32})\/$/.exec(answer?.headers.get('location') ?? '')?.[1];
  return answer ? { answer, ...(id ? { id } : {}) } : {};
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartBody } from '../../scripts/lib/multipart.js';
import { findFreePort } from '../support/clamd.js';
import { extractCsrf, STRONG_PASSWORD } from '../support/client.js';
import { smallJpeg } from '../support/photos.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';

interface Answer {
  readonly at: number;
  readonly url: string;
  readonly status: number | 'transport';
  readonly retryAfter: string | null;
  readonly body: string;
}

/** A browser-like client of the real server: a cookie jar, the Origin header, no redirects followed. */
class JarClient {
  readonly jar = new Map<string, string>();
  constructor(readonly origin: string) {}

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('cookie', [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '));
    headers.set('origin', this.origin);
    const response = await fetch(this.origin + url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      this.jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    return response;
  }

  async submit(url: string, fields: Record<string, string>): Promise<Response> {
    const csrf = extractCsrf(await (await this.fetch(url)).text()) ?? '';
    return this.fetch(url, { method: 'POST', body: new URLSearchParams({ _csrf: csrf, ...fields }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  async upload(jpeg: Buffer, title: string): Promise<string> {
    const csrf = extractCsrf(await (await this.fetch('/photos/upload/')).text()) ?? '';
    const { payload, contentType } = multipartBody([
      { name: '_csrf', value: csrf },
      { name: 'title', value: title },
      { name: 'image', value: jpeg, filename: `${title}.jpg`, contentType: 'image/jpeg' },
    ]);
    const response = await this.fetch('/photos/upload/', { method: 'POST', body: new Uint8Array(payload), headers: { 'content-type': contentType } });
    const id = /^\/photos\/([0-9a-f]{32})\/$/.exec(response.headers.get('location') ?? '')?.[1];
    if (response.status !== 303 || !id) throw new Error(`upload answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    return id;
  }

  async waitReady(id: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let status = '';
    while (Date.now() < deadline) {
      const response = await this.fetch(`/photos/${id}/status/`, { headers: { accept: 'application/json' } }).catch(() => undefined);
      if (response?.status === 200) status = ((await response.json()) as { status: string }).status;
      if (status === 'ready' || status === 'rejected' || status === 'failed') return status;
      await sleep(200);
    }
    return `not final after ${timeoutMs} ms (${status || 'no answer'})`;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await sleep(100);
  }
  return undefined;
}

/** The real server (a child process) on a private PostgreSQL cluster that is stopped and started under load. */
describe('PostgreSQL restarted under load', () => {
  let cluster: PrivatePostgres | undefined;
  let server: ChildProcess | undefined;
  let dataDir = '';
  let serverLog = '';
  let origin = '';

  beforeAll(async () => {
    cluster = await startPrivatePostgres('photovault');
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'pv-pg-restart-'));
    const port = await findFreePort();
    origin = `http://127.0.0.1:${port}`;
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DATABASE_URL|CLAMAV_|OTEL_)/.test(name)));
    server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { ...env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: cluster.url, LOG_LEVEL: 'warn', MODERATION_ENABLED: 'false', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      serverLog = (serverLog + chunk.toString()).slice(-20_000);
    };
    server.stdout?.on('data', keep);
    server.stderr?.on('data', keep);
    const ready = await waitFor(async () => (await fetch(`${origin}/readyz`)).ok, 30_000);
    if (ready === undefined) throw new Error(`the server did not become ready:\n${serverLog}`);
  }, 90_000);

  afterAll(async () => {
    server?.kill('SIGKILL');
    await cluster?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 during the outage, then serves the same session and photos; ready again within 30 s', async () => {
    const alice = new JarClient(origin);
    expect((await alice.submit('/accounts/signup/', { username: 'restart', email: 'r@example.com', password1: STRONG_PASSWORD, password2: STRONG_PASSWORD })).status).toBe(303);
    expect((await alice.submit('/accounts/login/', { username: 'restart', password: STRONG_PASSWORD })).status).toBe(303);
    const ids = [await alice.upload(await smallJpeg(640, 480), 'before-one'), await alice.upload(await smallJpeg(800, 600), 'before-two')];
    for (const id of ids) expect(await alice.waitReady(id, 30_000)).toBe('ready');
    const thumbsBefore = await Promise.all(ids.map(async (id) => Buffer.from(await (await alice.fetch(`/photos/${id}/media/thumb.jpg`)).arrayBuffer())));
    const sessionBefore = alice.jar.get('pv_session');
    expect(sessionBefore).toBeTruthy();

    // Load: the gallery and a thumbnail, over and over, from the signed-in session.
    const answers: Answer[] = [];
    let loading = true;
    const load = (async () => {
      for (let i = 0; loading && i < 10_000; i++) {
        for (const url of ['/photos/', `/photos/${ids[i % 2] ?? ''}/media/thumb.jpg`]) {
          const at = Date.now();
          try {
            const response = await alice.fetch(url);
            answers.push({ at, url, status: response.status, retryAfter: response.headers.get('retry-after'), body: response.status === 200 ? '' : await response.text() });
          } catch (error) {
            answers.push({ at, url, status: 'transport', retryAfter: null, body: String(error) });
          }
        }
        await sleep(20);
      }
    })();

    await sleep(1_000);
    const outageStart = Date.now();
    await cluster?.stop();
    await sleep(3_000);
    const duringOutage = await fetch(`${origin}/readyz`);
    expect(duringOutage.status).toBe(503);
    expect(await duringOutage.json()).toMatchObject({ status: 'not_ready', checks: { database: 'failing' } });
    await cluster?.start();
    const outageEnd = Date.now();
    const readyAfterMs = await waitFor(async () => (await fetch(`${origin}/readyz`)).ok, 30_000);
    expect(readyAfterMs, `/readyz not 200 within 30 s of the restart:\n${serverLog.slice(-3000)}`).toBeDefined();
    await sleep(1_000);
    loading = false;
    await load;

    // The process survived the lost connections.
    expect(server?.exitCode, serverLog.slice(-3000)).toBeNull();
    expect(server?.signalCode).toBeNull();

    // During the outage: clear 503s with Retry-After, never a 500, never a dropped connection.
    const outage = answers.filter((a) => a.at >= outageStart && a.at <= outageEnd);
    expect(outage.length).toBeGreaterThan(10);
    const summary = (list: readonly Answer[]) => list.map((a) => `${a.status} ${a.url}`).join(', ');
    expect(summary(answers.filter((a) => a.status !== 200 && a.status !== 503))).toBe('');
    const unavailable = outage.filter((a) => a.status === 503);
    expect(unavailable.length, summary(outage)).toBeGreaterThan(0);
    for (const answer of unavailable) {
      expect(answer.retryAfter).toMatch(/^\d+$/);
      expect(answer.body).not.toMatch(/\bat \S+ \(|ECONNREFUSED|57P0|postgres|terminat/i);
    }
    // Once ready again, every answer is a 200.
    const afterReady = answers.filter((a) => a.at >= outageEnd + (readyAfterMs ?? 0) + 200);
    expect(afterReady.length).toBeGreaterThan(0);
    expect(afterReady.every((a) => a.status === 200), summary(afterReady)).toBe(true);

    // The same session cookie still works: no new login, the same photos, the same bytes.
    expect(alice.jar.get('pv_session')).toBe(sessionBefore);
    const gallery = await alice.fetch('/photos/');
    expect(gallery.status).toBe(200);
    const html = await gallery.text();
    for (const id of ids) expect(html).toContain(id);
    for (const [index, id] of ids.entries()) {
      expect(await alice.waitReady(id, 5_000)).toBe('ready');
      expect(Buffer.from(await (await alice.fetch(`/photos/${id}/media/thumb.jpg`)).arrayBuffer()).equals(thumbsBefore[index] ?? Buffer.alloc(0))).toBe(true);
    }

    // An upload made right after recovery is processed: the pool and the job worker recovered.
    const after = await alice.upload(await smallJpeg(700, 500), 'after');
    expect(await alice.waitReady(after, 30_000), serverLog.slice(-3000)).toBe('ready');
    expect((await alice.fetch(`/photos/${after}/media/thumb.jpg`)).status).toBe(200);
    expect(server?.exitCode).toBeNull();
  }, 150_000);
});

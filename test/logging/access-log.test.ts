import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';
import type { DestinationStream } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { registerAccessLog } from '../../src/logging/access-log.js';
import { redactedLogUrl } from '../../src/logging/redact-url.js';
import { appLogController, createLogDestination, flushLogOnClose, LOG_BUFFER_BYTES, LOG_FLUSH_INTERVAL_MS } from '../../src/logging/logger.js';
import { generateShareToken } from '../../src/shares/share-token.js';

async function appWithAccessLog(level = 'info') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  }) as unknown as DestinationStream;
  const app = Fastify({ logger: { level, stream: destination }, logController: appLogController() });
  registerAccessLog(app, destination);
  app.get('/*', async () => 'ok');
  await app.ready();
  return { app, lines };
}

describe('the access log', () => {
  it('writes one JSON line per request, shaped like pino’s, with the request id, status and duration', async () => {
    const { app, lines } = await appWithAccessLog();
    await app.inject({ url: '/photos/?page=2', headers: { 'user-agent': 'x' } });
    await app.close();
    const access = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'request completed');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 30,
      pid: process.pid,
      request_id: 'req-1',
      req: { method: 'GET', url: '/photos/?page=REDACTED', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(typeof access[0]?.['time']).toBe('number');
  });

  it('never holds a share token, query values or headers, even when they carry JSON-breaking characters', async () => {
    const { app, lines } = await appWithAccessLog();
    const token = generateShareToken();
    await app.inject({ url: `/s/${token}/?name=Alice"%0A}{"level":60`, headers: { cookie: 'pv_session=secret', authorization: 'Bearer pv_secret' } });
    await app.close();
    const text = lines.join('\n');
    expect(text).not.toContain(token);
    expect(text).not.toContain('Alice');
    expect(text).not.toContain('secret');
    // Still one parseable line per record: nothing from the request could start another.
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.filter((line) => line.includes('"level":60'))).toEqual([]);
  });

  it('masks a share or reset token in a percent-encoded path, which the router decodes and serves', async () => {
    const { app, lines } = await appWithAccessLog();
    const token = generateShareToken();
    await app.inject({ url: `/%73/${token}/` });
    await app.inject({ url: `/accounts/password/%72eset/${token}/` });
    await app.close();
    expect(lines.join('\n')).not.toContain(token);
    expect(redactedLogUrl(`/%73/${token}/media/thumb.jpg?x=1`)).toBe('/s/[redacted]/media/thumb.jpg?x=REDACTED');
    expect(redactedLogUrl('/%E0%A4%A')).toBe('/%EF%BF%BD%25A');
    // A malformed escape elsewhere in the path does not stop the token's escapes being decoded.
    expect(redactedLogUrl(`/%73/${token}/%ZZ`)).toBe('/s/[redacted]/%25ZZ');
    expect(redactedLogUrl(`/%73/${token}/x%E0`)).toBe('/s/[redacted]/x%EF%BF%BD');
    expect(redactedLogUrl(`/%73/%${token.charCodeAt(0).toString(16)}${token.slice(1)}/`)).toBe('/s/[redacted]/');
  });

  it('logs a percent-encoded path encoded again: no decoded line separator, bidi override, ? or # in the log', () => {
    expect(redactedLogUrl('/a%E2%80%A8b%E2%80%AEc')).toBe('/a%E2%80%A8b%E2%80%AEc');
    expect(redactedLogUrl('/a%3Fadmin=1%23x')).toBe('/a%3Fadmin=1%23x');
    expect(redactedLogUrl('/caf%C3%A9/%25')).toBe('/caf%C3%A9/%25');
    expect(redactedLogUrl('/plain/path?x=1')).toBe('/plain/path?x=REDACTED');
  });

  it('keeps a hostile Host header inside its string', async () => {
    const { app, lines } = await appWithAccessLog();
    await app.inject({ url: '/', headers: { host: 'evil"},"level":60,"x":{"\\' } });
    await app.close();
    const access = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line['msg'] === 'request completed');
    expect(access).toHaveLength(1);
    expect(access[0]?.['level']).toBe(30);
    expect((access[0]?.['req'] as Record<string, unknown>)['host']).toBe('evil"},"level":60,"x":{"\\');
  });

  it('is silent when the log level is above info', async () => {
    const { app, lines } = await appWithAccessLog('warn');
    await app.inject({ url: '/' });
    await app.close();
    expect(lines).toEqual([]);
  });
});

describe('the batched log destination (issue 18)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  // The app as buildApp wires it: pino and the access log on one batched destination, flushed on close.
  async function appOnFile() {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pv-log-'));
    const file = path.join(dir, 'out.log');
    const destination = createLogDestination(openSync(file, 'a'));
    // Ending the destination stops its flush timer and closes the file descriptor.
    cleanups.push(
      () => rm(dir, { recursive: true, force: true }),
      () => destination.end(),
    );
    const app = Fastify({ logger: { level: 'info', stream: destination }, logController: appLogController() });
    registerAccessLog(app, destination);
    flushLogOnClose(app, destination);
    app.get('/*', async () => 'ok');
    await app.ready();
    cleanups.push(() => app.close());
    const lines = () => readFileSync(file, 'utf8').split('\n').filter(Boolean);
    return { app, lines };
  }

  it('gathers lines instead of writing each one, and has every line after a graceful stop', async () => {
    const { app, lines } = await appOnFile();
    for (let i = 0; i < 5; i++) await app.inject({ url: `/photos/${i}/media/thumb.jpg` });
    // Five lines are well under LOG_BUFFER_BYTES: none has been written yet.
    expect(lines()).toEqual([]);
    await app.close();
    const access = lines().map((line) => JSON.parse(line) as { msg: string; req: { url: string } });
    expect(access.map((line) => line.req.url)).toEqual([0, 1, 2, 3, 4].map((i) => `/photos/${i}/media/thumb.jpg`));
  });

  it('writes a quiet server’s line within the flush interval, and a full buffer at once', async () => {
    const { app, lines } = await appOnFile();
    await app.inject({ url: '/one' });
    await sleep(LOG_FLUSH_INTERVAL_MS * 3);
    expect(lines()).toHaveLength(1);
    const before = lines().length;
    const count = Math.ceil(LOG_BUFFER_BYTES / 200) + 5;
    for (let i = 0; i < count; i++) await app.inject({ url: `/many/${i}` });
    await sleep(20); // one asynchronous write, far less than the flush interval
    expect(lines().length).toBeGreaterThan(before);
  });

  it('cannot be made to write a forged line: hostile requests stay one parseable line each', async () => {
    const { app, lines } = await appOnFile();
    const hostile = [
      { url: '/?a=%0A{"level":60}' },
      { url: '/x%0A{"level":60,"msg":"forged"}' },
      { url: '/', headers: { host: 'h"},"level":60,"msg":"forged","x":{"\\' } },
      { url: '/', headers: { 'user-agent': '\u2028{"level":60}' } },
    ];
    for (const request of hostile) await app.inject(request);
    await app.close();
    const parsed = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed).toHaveLength(hostile.length);
    for (const line of parsed) {
      expect(line['level']).toBe(30);
      expect(line['msg']).toBe('request completed');
    }
  });

  // What a process that dies with lines still buffered leaves: pino flushes on `exit`.
  for (const how of ['throw', 'exit', 'sigterm']) {
    it(`writes the buffered lines when the process leaves by ${how}`, async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures', 'log-then-leave.ts'), how], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      await new Promise((resolve) => child.once('close', resolve));
      const logged = stdout.split('\n').filter((line) => line.includes('before leaving'));
      expect(logged).toHaveLength(3);
    }, 30_000);
  }
});

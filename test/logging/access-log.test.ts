import { Writable } from 'node:stream';
import Fastify from 'fastify';
import type { DestinationStream } from 'pino';
import { describe, expect, it } from 'vitest';
import { registerAccessLog } from '../../src/logging/access-log.js';
import { appLogController } from '../../src/logging/logger.js';
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

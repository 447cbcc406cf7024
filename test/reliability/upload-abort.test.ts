import { readdir } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../api/api-client.js';
import { TestClient } from '../support/client.js';
import { startListeningApp, type ListeningApp } from '../support/server.js';

interface LogLine {
  level: number;
  msg: string;
  event?: string;
  err?: unknown;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('a client going away mid-upload (real socket)', () => {
  const lines: LogLine[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  let server: ListeningApp;
  let bearer: string;
  const staged = () => readdir(path.join(server.database.dataDir, 'uploads'));

  beforeAll(async () => {
    server = await startListeningApp('sqlite', { MODERATION_ENABLED: 'false' }, { logger: { level: 'info', stream: logStream } });
    const alice = new TestClient(server.app);
    await alice.signupAndLogin('alice_abort');
    bearer = (await createToken(alice, 'abort')).token;
  });
  afterAll(() => server.close());

  it('logs upload_aborted at info (no error, no stack) and leaves no staged .part file', async () => {
    const boundary = 'abort-boundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`;
    const socket = connect(Number(new URL(server.origin).port), '127.0.0.1');
    socket.on('error', () => undefined);
    lines.length = 0;
    socket.write(
      `POST /api/v1/photos HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${bearer}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n${head}`,
    );
    socket.write(Buffer.alloc(256 * 1024, 0xff));
    await waitFor(async () => (await staged()).some((name) => name.endsWith('.part')), 'the .part file');

    socket.destroy();
    await waitFor(async () => (await staged()).length === 0, 'an empty staging dir');
    await waitFor(async () => lines.some((line) => line.event === 'upload_aborted' || line.level >= 50), 'the log lines');
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    const aborted = lines.filter((line) => line.event === 'upload_aborted');
    expect(aborted).toHaveLength(1);
    expect(aborted[0]).toMatchObject({ level: 30 });
    expect(aborted[0]?.err).toBeUndefined();
    expect(JSON.stringify(lines)).not.toMatch(/"stack"/);
  });
});

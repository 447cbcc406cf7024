import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListeningApp, type ListeningApp } from '../support/server.js';

const SLOW_SOCKETS = 200;
const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 5000;
// Node looks for expired requests once a second (connectionsCheckingInterval); the rest is slack for a busy 2-core machine.
const CLOSE_SLACK_MS = 2500;

interface RawClient {
  readonly socket: Socket;
  /** Resolves on close with the socket's lifetime in ms and everything the server sent. */
  readonly closed: Promise<{ lifetime: number; answer: string }>;
}

/** A raw TCP client that reads whatever the server answers (a paused socket would never see the close). */
function rawClient(port: number): RawClient {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<{ lifetime: number; answer: string }>((resolve) => socket.on('close', () => resolve({ lifetime: Date.now() - started, answer })));
  return { socket, closed };
}

/** Writes `text` one byte every `everyMs`, starting now, until the socket closes. */
function dribble(socket: Socket, text: string, everyMs: number): void {
  let sent = 0;
  const send = () => {
    if (!socket.destroyed && sent < text.length) socket.write(text.charAt(sent++));
  };
  send();
  const timer = setInterval(send, everyMs);
  socket.on('close', () => clearInterval(timer));
}

describe('slow clients through a real socket', () => {
  let server: ListeningApp;
  let port: number;

  beforeAll(async () => {
    server = await startListeningApp('sqlite', {
      HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_TIMEOUT_MS / 1000),
      HTTP_REQUEST_TIMEOUT_SECONDS: String(REQUEST_TIMEOUT_MS / 1000),
    });
    port = Number(new URL(server.origin).port);
  });
  afterAll(() => server.close());

  it(`answers a normal request promptly while ${SLOW_SOCKETS} slowloris sockets dribble headers, and closes each of them with 408 after the headers timeout`, async () => {
    const slow = Array.from({ length: SLOW_SOCKETS }, () => rawClient(port));
    for (const client of slow) dribble(client.socket, `GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'a'.repeat(100)}`, 1000);
    const silent = rawClient(port);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const started = Date.now();
      const response = await fetch(`${server.origin}/`, { signal: AbortSignal.timeout(2000) });
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);

      for (const { lifetime, answer } of await Promise.all([...slow, silent].map((client) => client.closed))) {
        expect(answer).toMatch(/^HTTP\/1\.1 408 /);
        expect(lifetime).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
        expect(lifetime).toBeLessThan(HEADERS_TIMEOUT_MS + CLOSE_SLACK_MS);
      }
    } finally {
      for (const client of [...slow, silent]) client.socket.destroy();
    }
  }, 15_000);

  it('answers 408 and closes a request whose body trickles in past the request timeout', async () => {
    const client = rawClient(port);
    client.socket.write('POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n');
    dribble(client.socket, 'a'.repeat(1000), 200);
    try {
      const { lifetime, answer } = await client.closed;
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(lifetime).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(lifetime).toBeLessThan(REQUEST_TIMEOUT_MS + CLOSE_SLACK_MS);
    } finally {
      client.socket.destroy();
    }
  }, 15_000);
});

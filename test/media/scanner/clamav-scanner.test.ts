import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClamavScanner } from '../../../src/media/scanner/clamav-scanner.js';
import { ScanFailedError, ScannerUnavailableError } from '../../../src/media/scanner/scanner.js';
import { findFreePort } from '../../support/clamd.js';
import { makeTempDir, writeFixture } from '../../support/images.js';

// These tests run against small fake daemons, so they need no ClamAV; clamav-daemon.test.ts uses the real one.

interface FakeClamd {
  port: number;
  /** Chunk lengths received by the last INSTREAM, and the bytes they carried. */
  chunks: number[];
  received: Buffer;
  close(): Promise<void>;
}

type Behaviour = 'ok' | 'found' | 'silent' | 'hang-up' | 'size-limit';

async function startFakeClamd(behaviour: Behaviour): Promise<FakeClamd> {
  const sockets = new Set<net.Socket>();
  const fake: FakeClamd = { port: 0, chunks: [], received: Buffer.alloc(0), close: async () => undefined };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (behaviour === 'hang-up') return void socket.destroy();
    let buffer = Buffer.alloc(0);
    let command: string | undefined;
    const parts: Buffer[] = [];
    let total = 0;
    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      if (behaviour === 'silent') return;
      if (command === undefined) {
        const end = buffer.indexOf(0);
        if (end < 0) return;
        command = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 1);
        fake.chunks = [];
        if (command === 'zPING') return void socket.end('PONG\0');
      }
      while (buffer.length >= 4) {
        const length = buffer.readUInt32BE(0);
        if (length === 0) {
          fake.received = Buffer.concat(parts);
          socket.end(behaviour === 'found' ? 'stream: Fake.Test.Signature FOUND\0' : 'stream: OK\0');
          return;
        }
        if (buffer.length < 4 + length) return;
        fake.chunks.push(length);
        parts.push(buffer.subarray(4, 4 + length));
        total += length;
        buffer = buffer.subarray(4 + length);
        if (behaviour === 'size-limit' && total > 256 * 1024) {
          socket.end('INSTREAM size limit exceeded. ERROR\0');
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as net.AddressInfo).port;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return fake;
}

let dir: string;
let remove: () => Promise<void>;

beforeAll(async () => {
  ({ dir, remove } = await makeTempDir());
});
afterAll(async () => remove());

function scannerFor(port: number, options: { timeoutMs?: number; chunkBytes?: number } = {}): ClamavScanner {
  return new ClamavScanner({ address: { host: '127.0.0.1', port }, ...options });
}

describe('ClamavScanner protocol', () => {
  it('streams the file as length-prefixed chunks and reads OK', async () => {
    const fake = await startFakeClamd('ok');
    try {
      const content = Buffer.alloc(200_000);
      for (let i = 0; i < content.length; i++) content[i] = (i * 7) % 251;
      const file = await writeFixture(dir, 'stream.bin', content);
      expect(await scannerFor(fake.port, { chunkBytes: 16 * 1024 }).scanFile(file)).toEqual({ clean: true });
      expect(fake.received.equals(content)).toBe(true);
      expect(fake.chunks.length).toBe(Math.ceil(200_000 / (16 * 1024)));
      expect(Math.max(...fake.chunks)).toBeLessThanOrEqual(16 * 1024);
    } finally {
      await fake.close();
    }
  });

  it('reports a FOUND signature', async () => {
    const fake = await startFakeClamd('found');
    try {
      const file = await writeFixture(dir, 'found.bin', 'anything');
      expect(await scannerFor(fake.port).scanFile(file)).toEqual({ clean: false, signature: 'Fake.Test.Signature' });
    } finally {
      await fake.close();
    }
  });

  it('pings', async () => {
    const fake = await startFakeClamd('ok');
    try {
      await expect(scannerFor(fake.port).ping()).resolves.toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it('stops streaming and fails closed when clamd refuses the size mid-stream', async () => {
    const fake = await startFakeClamd('size-limit');
    try {
      const file = await writeFixture(dir, 'large.bin', Buffer.alloc(8 * 1024 * 1024, 0x61));
      // Whether the reply or the reset arrives first, a daemon that still answers PING refused this file.
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(scannerFor(fake.port).scanFile(file)).rejects.toBeInstanceOf(ScanFailedError);
      }
    } finally {
      await fake.close();
    }
  });
});

describe('ClamavScanner fails closed', () => {
  it('throws ScannerUnavailableError when nothing listens on the port', async () => {
    const scanner = scannerFor(await findFreePort());
    const file = await writeFixture(dir, 'unreachable.bin', 'x');
    await expect(scanner.scanFile(file)).rejects.toBeInstanceOf(ScannerUnavailableError);
    await expect(scanner.ping()).rejects.toBeInstanceOf(ScannerUnavailableError);
  });

  it('throws ScannerUnavailableError when the unix socket does not exist', async () => {
    const scanner = new ClamavScanner({ address: { socketPath: path.join(dir, 'no-such.sock') } });
    await expect(scanner.ping()).rejects.toThrow(ScannerUnavailableError);
  });

  it('throws ScannerUnavailableError when clamd never answers', async () => {
    const fake = await startFakeClamd('silent');
    try {
      const file = await writeFixture(dir, 'silent.bin', 'x');
      const started = Date.now();
      await expect(scannerFor(fake.port, { timeoutMs: 300 }).scanFile(file)).rejects.toThrow(/did not answer within 300 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
      await expect(scannerFor(fake.port, { timeoutMs: 300 }).ping()).rejects.toBeInstanceOf(ScannerUnavailableError);
    } finally {
      await fake.close();
    }
  });

  it('throws ScannerUnavailableError when clamd hangs up without a reply', async () => {
    const fake = await startFakeClamd('hang-up');
    try {
      const file = await writeFixture(dir, 'hangup.bin', 'x');
      await expect(scannerFor(fake.port).scanFile(file)).rejects.toBeInstanceOf(ScannerUnavailableError);
    } finally {
      await fake.close();
    }
  });

  it('passes file errors through (they are not scanner outages)', async () => {
    const fake = await startFakeClamd('ok');
    try {
      await expect(scannerFor(fake.port).scanFile(path.join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await fake.close();
    }
  });
});

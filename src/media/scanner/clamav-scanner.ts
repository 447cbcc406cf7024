import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ClamdConnection, type ClamdAddress } from './clamd-connection.js';
import { chunkHeader, END_OF_STREAM, INSTREAM_COMMAND, parseScanReply, PING_COMMAND } from './clamav-protocol.js';
import { ScanFailedError, ScannerUnavailableError, type MalwareScanner, type ScanResult } from './scanner.js';

export interface ClamavScannerOptions {
  address: ClamdAddress;
  /** Deadline for one whole scan or ping (default 60 s). */
  timeoutMs?: number;
  /** Deadline for the connection alone (default 5 s, never more than timeoutMs). */
  connectTimeoutMs?: number;
  /** Bytes per INSTREAM chunk (default 64 KiB). */
  chunkBytes?: number;
  /**
   * clamd's StreamMaxLength (clamd default 100M, Debian's clamd.conf 25M). When set, bigger files
   * fail with ScanFailedError without being sent; otherwise clamd's refusal arrives mid-stream.
   */
  maxStreamBytes?: number;
}

/**
 * ClamAV's clamd over TCP or a unix socket, speaking INSTREAM so the file never needs to be
 * visible to the daemon. Written on node:net because the npm clients (clamscan, clamdjs) are
 * unmaintained or shell out to clamdscan; the protocol is a few lines.
 */
export class ClamavScanner implements MalwareScanner {
  readonly name = 'clamav';
  private readonly address: ClamdAddress;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly chunkBytes: number;
  private readonly maxStreamBytes: number | undefined;

  constructor(options: ClamavScannerOptions) {
    this.address = options.address;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.connectTimeoutMs = Math.min(options.connectTimeoutMs ?? 5_000, this.timeoutMs);
    this.chunkBytes = options.chunkBytes ?? 64 * 1024;
    this.maxStreamBytes = options.maxStreamBytes;
  }

  async scanFile(path: string): Promise<ScanResult> {
    const { size } = await stat(path);
    if (this.maxStreamBytes !== undefined && size > this.maxStreamBytes) {
      throw new ScanFailedError(`file of ${size} bytes exceeds clamd's StreamMaxLength (${this.maxStreamBytes} bytes)`);
    }
    const connection = await this.connect();
    try {
      await connection.write(INSTREAM_COMMAND);
      await this.streamFile(path, connection);
      await connection.write(END_OF_STREAM);
      const reply = await connection.reply.catch(async (error: unknown) => {
        throw connection.hungUp ? await this.explainHangUp(error, size) : error;
      });
      return parseScanReply(reply);
    } finally {
      connection.close();
    }
  }

  async ping(): Promise<void> {
    const connection = await this.connect();
    try {
      await connection.write(PING_COMMAND);
      const reply = await connection.reply;
      if (reply.trim() !== 'PONG') throw new ScannerUnavailableError(`clamd answered PING with ${JSON.stringify(reply.slice(0, 100))}`);
    } finally {
      connection.close();
    }
  }

  // Reads the file in bounded chunks with back-pressure: a large upload never sits in memory.
  private async streamFile(path: string, connection: ClamdConnection): Promise<void> {
    const file = createReadStream(path, { highWaterMark: this.chunkBytes });
    try {
      for await (const chunk of file as AsyncIterable<Buffer>) {
        // Let pending socket reads run first: clamd may have answered early (size limit) and
        // hung up, and its reply is lost if a write fails on the closed socket before it is read.
        await nextTurn();
        if (connection.done) break;
        await connection.write(chunkHeader(chunk.length));
        await connection.write(chunk);
      }
    } finally {
      file.destroy();
    }
  }

  // clamd refuses an over-long stream by replying and closing at once; the reset that follows
  // can destroy the socket before the reply is read (a write hits the closed peer first). If clamd
  // still answers PING, it was alive and refused this file; if not, it went away mid-scan.
  private async explainHangUp(error: unknown, size: number): Promise<unknown> {
    try {
      await this.ping();
    } catch {
      return error;
    }
    return new ScanFailedError(
      `clamd closed the connection while receiving a ${size}-byte file: it most likely exceeds StreamMaxLength (set maxStreamBytes to match it)`,
      { cause: error },
    );
  }

  private async connect(): Promise<ClamdConnection> {
    return ClamdConnection.open(this.address, { timeoutMs: this.timeoutMs, connectTimeoutMs: this.connectTimeoutMs });
  }
}


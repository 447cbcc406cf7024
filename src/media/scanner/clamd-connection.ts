import net from 'node:net';
import { ScannerUnavailableError } from './scanner.js';

export type ClamdAddress = { socketPath: string } | { host: string; port: number };

export interface ClamdConnectionOptions {
  connectTimeoutMs: number;
  /** Deadline for the whole exchange, from connecting to the last byte of the reply. */
  timeoutMs: number;
}

// clamd answers one NUL-terminated record per z-command; anything longer is not clamd.
const MAX_REPLY_BYTES = 4096;

/** One clamd command exchange on its own socket; every failure to get a reply is ScannerUnavailableError. */
export class ClamdConnection {
  /** clamd's reply without its NUL terminator. */
  readonly reply: Promise<string>;
  private readonly socket: net.Socket;
  private replied = false;
  private peerHungUp = false;

  private constructor(socket: net.Socket, where: string) {
    this.socket = socket;
    this.reply = new Promise<string>((resolve, reject) => {
      const received: Buffer[] = [];
      let size = 0;
      const finish = (error?: Error): void => {
        this.replied = true;
        const text = Buffer.concat(received).toString('utf8');
        const end = text.indexOf('\0');
        if (end >= 0) resolve(text.slice(0, end));
        // clamd hangs up after some errors without sending the terminator.
        else if (!error && text.length > 0) resolve(text.trim());
        else {
          this.peerHungUp = !error || isResetCode(error);
          reject(toUnavailable(error, where));
        }
      };
      socket.on('data', (data: Buffer) => {
        received.push(data);
        size += data.length;
        if (data.includes(0) || size > MAX_REPLY_BYTES) {
          finish();
          socket.destroy();
        }
      });
      socket.on('error', (error) => finish(error));
      socket.once('close', () => finish());
    });
    // Callers await `reply` after streaming; this only stops an early failure counting as unhandled.
    this.reply.catch(() => undefined);
  }

  static async open(address: ClamdAddress, options: ClamdConnectionOptions): Promise<ClamdConnection> {
    const isLocal = 'socketPath' in address;
    const where = isLocal ? address.socketPath : `${address.host}:${address.port}`;
    const socket = isLocal ? net.createConnection({ path: address.socketPath }) : net.createConnection(address);
    const connection = new ClamdConnection(socket, where);

    const deadline = setTimeout(() => {
      socket.destroy(new ScannerUnavailableError(`clamd at ${where} did not answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const connectDeadline = setTimeout(() => {
      socket.destroy(new ScannerUnavailableError(`could not connect to clamd at ${where} within ${options.connectTimeoutMs} ms`));
    }, options.connectTimeoutMs);
    socket.once('connect', () => clearTimeout(connectDeadline));
    socket.once('close', () => {
      clearTimeout(connectDeadline);
      clearTimeout(deadline);
    });

    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      // Before connecting, the reply can only settle by failing (refused, missing socket, timeout).
      connection.reply.then(() => reject(new ScannerUnavailableError(`clamd at ${where} hung up`)), reject);
    });
    return connection;
  }

  /** True once clamd has replied or hung up; a sender should stop streaming. */
  get done(): boolean {
    return this.replied || this.socket.destroyed;
  }

  /** True when the reply failed because clamd closed the connection (not a timeout or refusal to connect). */
  get hungUp(): boolean {
    return this.peerHungUp;
  }

  /** Writes with back-pressure, so a large file is never buffered in memory. */
  async write(data: Buffer): Promise<void> {
    if (this.done) return;
    if (this.socket.write(data)) return;
    await new Promise<void>((resolve) => {
      const settle = (): void => {
        this.socket.off('drain', settle);
        this.socket.off('close', settle);
        resolve();
      };
      this.socket.once('drain', settle);
      this.socket.once('close', settle);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function isResetCode(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ECONNRESET';
}

function toUnavailable(error: Error | undefined, where: string): ScannerUnavailableError {
  if (error instanceof ScannerUnavailableError) return error;
  if (error) return new ScannerUnavailableError(`clamd at ${where}: ${error.message}`, { cause: error });
  return new ScannerUnavailableError(`clamd at ${where} closed the connection without a reply`);
}

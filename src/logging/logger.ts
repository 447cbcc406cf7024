import { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { writeSync } from 'node:fs';
import pino, { type DestinationStream } from 'pino';
import type { AppConfig } from '../config/config.js';
import { serializeRequestForLog } from './request-log-serializer.js';

type PinoOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

/** The longest a log line waits in the buffer before it is written. */
export const LOG_FLUSH_INTERVAL_MS = 100;
/** Buffered lines are written as soon as they reach this many characters (~bytes: the lines are JSON, mostly ASCII). */
export const LOG_BUFFER_BYTES = 4096;

/**
 * Standard output (or the file descriptor `fd`), written in batches: lines are gathered until
 * LOG_BUFFER_BYTES have accumulated or LOG_FLUSH_INTERVAL_MS have passed, then handed to
 * sonic-boom (asynchronous, as before) as one string, one write(2), instead of one per line (issue 18:
 * the thumbnail's profile charged ~11% of its samples to those writes; see docs/performance.md for
 * what the CPU A/B made of it). Nothing is lost on the
 * ordinary ways out: the app's close flushes (flushLogOnClose), and on the process's `exit` (a signal
 * handled by server.ts, process.exit, an uncaught exception) what is buffered is written
 * synchronously. A SIGKILL, an OOM kill or a power cut loses what is still buffered: at most the
 * last ~100 ms of lines, ~4 KB.
 */
export function createLogDestination(fd = 1): BatchedLogDestination {
  return new BatchedLogDestination(fd);
}

/**
 * Hand-written rather than sonic-boom's own `minLength` buffering, which was tried first: it appends
 * each line to the pending string and measures that whole string's byte length on every write, and
 * with a 4 KB buffer that cost more than the write(2) calls it saved (60,000 access lines to a
 * file, CPU per line with the writer's thread: 11.0 µs against 6.7 µs unbuffered, where keeping the
 * lines in an array and joining them once per batch measured 2.4-3.2 µs). Here a line costs an array
 * push; the join and the write happen once per batch.
 */
export class BatchedLogDestination implements DestinationStream {
  private readonly out: ReturnType<typeof pino.destination>;
  private lines: string[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Bytes handed to `out` and not yet reported written. */
  private inFlight = 0;
  private readonly idle: (() => void)[] = [];
  private ended = false;

  constructor(private readonly fd: number) {
    this.out = pino.destination({ dest: fd, sync: false, minLength: 0 });
    this.out.on('write', (bytes: number) => {
      this.inFlight = Math.max(0, this.inFlight - bytes);
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
    liveDestinations.add(this);
    if (liveDestinations.size === 1 && !process.listeners('exit').includes(flushAllOnExit)) process.on('exit', flushAllOnExit);
  }

  write(line: string): void {
    if (this.ended) return;
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars >= LOG_BUFFER_BYTES) this.release();
    else if (this.timer === undefined) this.timer = setTimeout(() => this.release(), LOG_FLUSH_INTERVAL_MS).unref();
  }

  /**
   * Resolves once every line written so far has reached the file descriptor, or after
   * FLUSH_WAIT_MS at most (a broken pipe makes pino's writer drop lines without reporting them
   * written). Never rejects: a failing log must not stop the app from closing.
   */
  flush(): Promise<void> {
    this.release();
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle.push(resolve);
      setTimeout(resolve, FLUSH_WAIT_MS).unref();
    });
  }

  /** Writes what is buffered synchronously (the process is leaving: no more event loop). */
  flushSync(): void {
    this.stopTimer();
    try {
      this.out.flushSync();
    } catch {
      // nothing of its own to write, or already closed
    }
    const text = this.take();
    if (text !== '') writeAllSync(this.fd, text);
  }

  /** Flushes, then closes the file descriptor (tests; the app keeps standard output open). */
  async end(): Promise<void> {
    await this.flush();
    this.ended = true;
    liveDestinations.delete(this);
    await new Promise<void>((resolve) => {
      this.out.once('close', () => resolve());
      this.out.end();
    });
  }

  private release(): void {
    this.stopTimer();
    const text = this.take();
    if (text === '') return;
    this.inFlight += Buffer.byteLength(text);
    this.out.write(text);
  }

  private take(): string {
    if (this.lines.length === 0) return '';
    const text = this.lines.join('');
    this.lines = [];
    this.chars = 0;
    return text;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const FLUSH_WAIT_MS = 1000;
const liveDestinations = new Set<BatchedLogDestination>();

function flushAllOnExit(): void {
  for (const destination of liveDestinations) destination.flushSync();
}

function writeAllSync(fd: number, text: string): void {
  let rest = Buffer.from(text);
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(fd, rest));
    } catch {
      return; // a closed or broken descriptor: nothing more can be written
    }
  }
}

/**
 * The buffered lines written out when the app closes. Registered before the routes and plugins,
 * so it runs after them (Fastify runs onClose hooks last-registered first) and after the server
 * has answered its last request: the access line of every answered request is written.
 */
export function flushLogOnClose(app: FastifyInstance, destination: BatchedLogDestination): void {
  app.addHook('onClose', () => destination.flush());
}

/** The app's pino options: JSON lines on `destination`, secrets redacted. */
export function appLoggerOptions(config: Pick<AppConfig, 'logLevel'>, destination: DestinationStream): PinoOptions {
  return {
    level: config.logLevel,
    // No secrets in logs: cookies, credentials and tokens are redacted.
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'], censor: '[redacted]' },
    serializers: { req: serializeRequestForLog },
    stream: destination,
  };
}

/**
 * Fastify's log controller for the app: request ids logged as `request_id`, and Fastify's own two
 * lines per request ("incoming request", "request completed") replaced by registerAccessLog's one.
 */
export function appLogController(): LogController {
  return new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true });
}

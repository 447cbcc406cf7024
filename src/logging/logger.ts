import { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import type { AppConfig } from '../config/config.js';
import { serializeRequestForLog } from './request-log-serializer.js';

type PinoOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

/** The longest a log line waits in the buffer before it is written. */
export const LOG_FLUSH_INTERVAL_MS = 100;
/** Buffered lines are written as soon as they reach this many bytes. */
export const LOG_BUFFER_BYTES = 4096;

/**
 * Standard output (or `dest`), written asynchronously in batches (sonic-boom, sync: false): lines
 * are gathered until LOG_BUFFER_BYTES have accumulated or LOG_FLUSH_INTERVAL_MS have passed, then
 * go out in one write(2). One write per line (minLength 0, as before) was ~8% of a thumbnail
 * request's CPU in `npm run bench` (issue 18). Nothing is lost on the ordinary ways out: the app's
 * close flushes (buildApp's onClose hook: flushLogDestination), and pino flushes synchronously on
 * the process's `exit` (a signal handled by server.ts, process.exit, an uncaught exception). A
 * SIGKILL, an OOM kill or a power cut can lose what is still buffered: at most the last
 * ~100 ms of lines, bounded by ~4 KB plus whatever arrived during one write in flight.
 */
export function createLogDestination(dest: number | string = 1): BatchedLogDestination {
  return pino.destination({ dest, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_INTERVAL_MS });
}

export type BatchedLogDestination = ReturnType<typeof pino.destination>;

/**
 * Writes out what is buffered and resolves once it has been written. Never rejects: sonic-boom
 * ends a flush with fsync(2), which a pipe or terminal refuses (EINVAL) after the lines went out,
 * and a failing log must not stop the app from closing.
 */
export function flushLogDestination(destination: BatchedLogDestination): Promise<void> {
  return new Promise((resolve) => {
    try {
      destination.flush(() => resolve());
    } catch {
      resolve(); // already destroyed: nothing is left to write
    }
  });
}

/**
 * The buffered lines written out when the app closes. Registered before the routes and plugins,
 * so it runs after them (Fastify runs onClose hooks last-registered first) and after the server
 * has answered its last request: the access line of every answered request is written.
 */
export function flushLogOnClose(app: FastifyInstance, destination: BatchedLogDestination): void {
  app.addHook('onClose', () => flushLogDestination(destination));
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

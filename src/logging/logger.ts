import { LogController, type FastifyServerOptions } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import type { AppConfig } from '../config/config.js';
import { serializeRequestForLog } from './request-log-serializer.js';

type PinoOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;

/**
 * Standard output, written asynchronously (sonic-boom, sync: false): lines logged while a write is
 * in flight go out together in one write instead of one blocking write(2) each. Nothing waits for a
 * buffer to fill (minLength 0), so a quiet server's lines still appear at once, and pino flushes
 * what is pending when the process exits.
 */
export function createLogDestination(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 0 });
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

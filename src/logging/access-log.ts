import { hostname } from 'node:os';
import { trace } from '@opentelemetry/api';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import type { AppConfig } from '../config/config.js';
import { redactedLogUrl } from './redact-url.js';
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

const INFO = 30;

/**
 * Fastify's log controller for the app: request ids logged as `request_id`, and Fastify's own two
 * lines per request ("incoming request", "request completed") replaced by registerAccessLog's one.
 */
export function appLogController(): LogController {
  return new LogController({ requestIdLogLabel: 'request_id', disableRequestLogging: true });
}

/**
 * One access-log line per request, written when the response has been sent, in the same JSON shape
 * pino writes (level, time, pid, hostname, msg) with the request id, the trace and span ids, method,
 * path (share tokens masked, query values redacted), client address, status and duration.
 * Fastify's own request logging (disabled in buildApp) wrote two lines per request.
 *
 * Why not `request.log.info(…)`: with telemetry on, every pino line is also turned into an OTLP log
 * record (the pino instrumentation parses the line back from JSON). For the access line that record
 * repeats the request's server span, which has the same method, route, status, duration and request
 * id, and the `http.server.request.duration` metric counts it; sending it cost about a fifth of the
 * server's CPU per request in `npm run bench`. So the access line goes to standard output only (a
 * collector can still read it from there), while the application's events (security events,
 * errors, the pipeline) keep going through pino to both. The fields here are all our own strings
 * and numbers, so JSON.stringify of one flat object is all the serialising it needs.
 */
export function registerAccessLog(app: FastifyInstance, destination: DestinationStream): void {
  if ((pino.levels.values[app.log.level] ?? INFO) > INFO) return;
  const base = `{"level":${INFO},"time":`;
  const process_ = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  app.addHook('onResponse', (request, reply, done) => {
    destination.write(`${base}${Date.now()}${process_},${accessFields(request, reply)},"msg":"request completed"}\n`);
    done();
  });
}

function accessFields(request: FastifyRequest, reply: FastifyReply): string {
  const spanContext = trace.getActiveSpan()?.spanContext();
  const line = {
    request_id: request.id,
    ...(spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : {}),
    req: { method: request.method, url: redactedLogUrl(request.url), host: request.host, remoteAddress: request.ip },
    res: { statusCode: reply.statusCode },
    responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
  };
  const json = JSON.stringify(line);
  // The object's braces come off: the fields go between the line's own.
  return json.slice(1, -1);
}

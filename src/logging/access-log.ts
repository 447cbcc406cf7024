import { hostname } from 'node:os';
import { trace } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pino, { type DestinationStream } from 'pino';
import { redactedLogUrl } from './redact-url.js';

const INFO = 30;

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

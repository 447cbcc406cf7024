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

const json = JSON.stringify;

// The line's fields written out directly: every value that comes from the request goes through
// JSON.stringify (escaping quotes, control characters and line breaks, so no request can forge a
// second line); ids are the app's own UUIDs and the SDK's hex ids. About half the cost of
// stringifying a nested object per request.
function accessFields(request: FastifyRequest, reply: FastifyReply): string {
  const spanContext = trace.getActiveSpan()?.spanContext();
  const ids = spanContext ? `,"trace_id":${json(spanContext.traceId)},"span_id":${json(spanContext.spanId)}` : '';
  const req = `{"method":${json(request.method)},"url":${json(redactedLogUrl(request.url))},"host":${json(request.host)},"remoteAddress":${json(request.ip)}}`;
  return `"request_id":${json(request.id)}${ids},"req":${req},"res":{"statusCode":${reply.statusCode}},"responseTime":${Math.round(reply.elapsedTime * 1000) / 1000}`;
}

import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { redactUrl } from '../logging/redact-url.js';
import { isTelemetryActive } from './lifecycle.js';
import { recordHttpServerDuration, recordThrottled } from './metrics.js';
import { isInstrumentationSelected } from './telemetry-env.js';
import { requestHook } from '../web/hooks.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Traces a request answered by `frameworkErrors` (refused before routing); a no-op without telemetry. */
    traceRefusedRequest(request: FastifyRequest, reply: FastifyReply): void;
  }
  interface FastifyRequest {
    /** The request's server span; null when the request is not traced. */
    serverSpan: ServerSpan | null;
  }
}

interface ServerSpan {
  readonly span: Span;
  ended: boolean;
}

// Health probes arrive every few seconds from orchestrators; their spans and metrics are noise.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz']);

// The methods HTTP semantic conventions name; any other is reported as _OTHER (bounded cardinality).
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']);

/**
 * HTTP server telemetry, made where the route is known: one SERVER span per request, named
 * `POST /photos/upload/` after the route template, continuing a W3C `traceparent` the caller sent,
 * and the `http.server.request.duration` histogram, with the stable semantic conventions' attributes
 * (no query values, share tokens masked, no cookies or credentials). Also counts every 429 answer in
 * `photovault.throttled`, whichever throttle produced it. Registered before every other hook, so a
 * request refused early (CSRF, rate limit) is still traced.
 *
 * Why not @opentelemetry/instrumentation-http's server side (which photovault used before): it
 * cannot know the route (it had to be passed back through RPC metadata), and `npm run bench`
 * measured it at ~150 µs of CPU per request on this 2-core machine, about 40% of a whole landing
 * page: it wraps every listener added to each request and response to carry the context, parses
 * the Host header and URL again and computes attributes photovault then overrode. Here the span
 * starts once Fastify has routed the request and its context is entered once, around the rest of
 * the request's hooks and handler; Fastify itself carries that context across reading the body
 * (its content-type parser resumes in the request's AsyncResource; a test sends a body late over a
 * socket to check it). The instrumentation still traces outgoing http requests
 * (`OTEL_NODE_DISABLED_INSTRUMENTATIONS=http` turns off both).
 */
export function registerHttpTelemetry(app: FastifyInstance, env: Readonly<Record<string, string | undefined>> = process.env): void {
  app.decorateRequest('serverSpan', null);
  const tracing = isTelemetryActive() && isInstrumentationSelected('http', env);
  if (tracing) registerServerSpans(app);
  app.decorate('traceRefusedRequest', tracing ? traceRefusedRequest : () => {});
  app.addHook(
    'onResponse',
    requestHook((request, reply) => {
      if (reply.statusCode === 429) recordThrottled(request.routeOptions.url);
    }),
  );
}

let httpTracer: Tracer | undefined;

// Looked up on first use, when the SDK's provider is in place (tests register their own).
function tracer(): Tracer {
  httpTracer ??= trace.getTracer('photovault-http');
  return httpTracer;
}

function startServerSpan(request: FastifyRequest, route: string | undefined): Context {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const method = methodOf(request);
  const span = tracer().startSpan(route ? `${method} ${route}` : method, { kind: SpanKind.SERVER, attributes: samplingAttributes(request, method, route) }, parent);
  // The rest only for a span that is recorded: most media GETs are not (see media-sampler.ts).
  if (span.isRecording()) span.setAttributes(recordedAttributes(request, method));
  request.serverSpan = { span, ended: false };
  return trace.setSpan(parent, span);
}

/** Ends the span as answered with `status`, and records the request's duration. */
function endServerSpan(request: FastifyRequest, status: number, seconds: number): void {
  const server = takeOpenSpan(request);
  if (server === undefined) return;
  const attributes: Attributes = {
    'http.request.method': methodOf(request),
    'url.scheme': request.protocol,
    'http.response.status_code': status,
    'network.protocol.version': request.raw.httpVersion,
  };
  const route = request.routeOptions.url;
  if (route) attributes['http.route'] = route;
  // A server span is an error only when the server failed (5xx), not when the client did (4xx).
  if (status >= 500) {
    attributes['error.type'] = String(status);
    server.span.setStatus({ code: SpanStatusCode.ERROR });
    server.span.setAttribute('error.type', String(status));
  }
  server.span.setAttribute('http.response.status_code', status);
  server.span.end();
  recordHttpServerDuration(seconds, attributes);
}

/** The request's span if it is still open, marked as ended from now on (each span ends once). */
function takeOpenSpan(request: FastifyRequest): ServerSpan | undefined {
  const server = request.serverSpan;
  if (server === null || server.ended) return undefined;
  server.ended = true;
  return server;
}

function methodOf(request: FastifyRequest): string {
  return KNOWN_METHODS.has(request.method) ? request.method : '_OTHER';
}

/**
 * A request Fastify refused before routing (a malformed URL, answered by `frameworkErrors`) runs no
 * hook, so it gets its span and duration here; attack traffic of that kind stays visible.
 */
function traceRefusedRequest(request: FastifyRequest, reply: FastifyReply): void {
  const started = performance.now();
  startServerSpan(request, undefined);
  reply.raw.once('close', () => endServerSpan(request, reply.raw.statusCode, (performance.now() - started) / 1000));
}

function registerServerSpans(app: FastifyInstance): void {
  app.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const route = request.routeOptions.url;
    if (UNTRACED_PATHS.has(route ?? '')) done();
    else context.with(startServerSpan(request, route), done);
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    endServerSpan(request, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  // The client went away before the answer was complete: the span ends as failed, no duration is recorded.
  app.addHook('onRequestAbort', (request: FastifyRequest, done: HookHandlerDoneFunction) => {
    const server = takeOpenSpan(request);
    if (server !== undefined) {
      server.span.setAttribute('error.type', 'aborted');
      server.span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the answer was sent' });
      server.span.end();
    }
    done();
  });
}

// A client chooses its path, query and User-Agent (up to Node's 16 KB of headers): every span
// would carry and export them whole. Past this many characters they are cut, with a marker.
const MAX_ATTRIBUTE_CHARS = 1024;

function capped(value: string): string {
  return value.length <= MAX_ATTRIBUTE_CHARS ? value : `${value.slice(0, MAX_ATTRIBUTE_CHARS)}…[truncated]`;
}

/** URL attributes without secrets (see redactUrl): the path with a share token masked, the query's keys only. */
export function redactedUrlAttributes(request: { readonly url: string }): Attributes {
  const { path, query } = redactUrl(request.url);
  return query === undefined ? { 'url.path': capped(path) } : { 'url.path': capped(path), 'url.query': capped(query) };
}

/**
 * What the sampler decides on (photovault's looks at the method and route; the SDK's standard ones
 * look at nothing), given when the span starts. Everything else is added only to a recorded span.
 */
function samplingAttributes(request: FastifyRequest, method: string, route: string | undefined): Attributes {
  const attributes: Attributes = { 'http.request.method': method, 'url.scheme': request.protocol };
  if (route) attributes['http.route'] = route;
  return attributes;
}

function recordedAttributes(request: FastifyRequest, method: string): Attributes {
  const attributes: Attributes = {
    ...redactedUrlAttributes(request),
    'server.address': request.hostname,
    'network.protocol.version': request.raw.httpVersion,
    'client.address': request.ip,
    'photovault.request.id': request.id,
  };
  if (method === '_OTHER') attributes['http.request.method_original'] = request.method;
  const port = request.port;
  if (port) attributes['server.port'] = port;
  const userAgent = request.headers['user-agent'];
  if (userAgent !== undefined) attributes['user_agent.original'] = capped(userAgent);
  return attributes;
}

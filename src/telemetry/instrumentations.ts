import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { redactUrl } from '../logging/redact-url.js';
import type { SignalSelection } from './telemetry-env.js';

// Health probes arrive every few seconds from orchestrators; their spans and metrics are noise.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz']);

/** The instrumentations photovault uses, by the short names OTEL_NODE_*_INSTRUMENTATIONS take. */
const INSTRUMENTATIONS: Readonly<Record<string, (signals: SignalSelection) => Instrumentation>> = {
  // Server spans and the http.server.request.duration metric.
  http: () =>
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request)),
      startIncomingSpanHook: (request) => redactedUrlAttributes(request),
    }),
  // fetch, which the model client uses.
  undici: () => new UndiciInstrumentation(),
  // Queries outside any request or job (the worker's polling) would each become a trace of their own.
  pg: () => new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
  // Trace ids in every log line; log records go to the OTLP logs exporter only when a logs endpoint is configured.
  pino: (signals) => new PinoInstrumentation({ disableLogSending: !signals.logs }),
  // GenAI spans and metrics for the caption agent's model calls.
  openai: () => new OpenAIInstrumentation(),
  // Event-loop delay and utilisation, heap and GC metrics.
  'runtime-node': () => new RuntimeNodeInstrumentation(),
};

/**
 * Only the instrumentations photovault needs: http, undici, pg, pino, openai and the Node runtime
 * metrics. (The auto-instrumentations bundle loaded ~40, each hooking module loading, which cost
 * start-up time and memory for libraries this app never imports.) OTEL_NODE_ENABLED_INSTRUMENTATIONS
 * (only these) and OTEL_NODE_DISABLED_INSTRUMENTATIONS (all but these) take the same comma-separated
 * short names as the bundle does: http, undici, pg, pino, openai, runtime-node.
 */
export function createInstrumentations(signals: SignalSelection, env: Readonly<Record<string, string | undefined>> = process.env): Instrumentation[] {
  const enabled = nameList(env['OTEL_NODE_ENABLED_INSTRUMENTATIONS']);
  const disabled = nameList(env['OTEL_NODE_DISABLED_INSTRUMENTATIONS']);
  return Object.entries(INSTRUMENTATIONS)
    .filter(([name]) => (enabled === null || enabled.has(name)) && !disabled?.has(name))
    .map(([, create]) => create(signals));
}

function nameList(value: string | undefined): Set<string> | null {
  if (value === undefined || value.trim() === '') return null;
  return new Set(value.split(',').map((name) => name.trim()).filter(Boolean));
}

/**
 * URL attributes without secrets (see redactUrl): these override the attributes the http
 * instrumentation derives from the raw URL.
 */
export function redactedUrlAttributes(request: Pick<IncomingMessage, 'url'>): Attributes {
  const { path, query } = redactUrl(request.url ?? '/');
  return query === undefined ? { 'url.path': path } : { 'url.path': path, 'url.query': query };
}

function pathOf(request: Pick<IncomingMessage, 'url'>): string {
  const raw = request.url ?? '/';
  const queryAt = raw.indexOf('?');
  return queryAt === -1 ? raw : raw.slice(0, queryAt);
}

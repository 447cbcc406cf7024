import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { isInstrumentationSelected, type SignalSelection } from './telemetry-env.js';

/** The instrumentations photovault uses, by the short names OTEL_NODE_*_INSTRUMENTATIONS take. */
const INSTRUMENTATIONS: Readonly<Record<string, (signals: SignalSelection) => Instrumentation>> = {
  // Outgoing node:http requests. Server spans and http.server.request.duration are made by
  // telemetry/http-telemetry.ts, where Fastify knows the route (and at a fraction of the cost).
  http: () => new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
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
  return Object.entries(INSTRUMENTATIONS)
    .filter(([name]) => isInstrumentationSelected(name, env))
    .map(([, create]) => create(signals));
}

import type { IncomingMessage } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { redactShareToken } from '../shares/share-token.js';
import type { SignalSelection } from './telemetry-env.js';

// Health probes arrive every few seconds from orchestrators; their spans and metrics are noise.
const UNTRACED_PATHS = new Set(['/healthz', '/readyz']);

/**
 * The instrumentations photovault uses: http (server spans and request-duration metric), undici
 * (fetch, used by the model client), pg, pino (trace ids in every log line, and log export),
 * openai (GenAI spans and metrics) and the Node runtime metrics. OTEL_NODE_ENABLED_INSTRUMENTATIONS
 * and OTEL_NODE_DISABLED_INSTRUMENTATIONS still apply on top.
 */
export function createInstrumentations(signals: SignalSelection): ReturnType<typeof getNodeAutoInstrumentations> {
  return getNodeAutoInstrumentations({
    // dns and net spans would double every connection with little to show.
    '@opentelemetry/instrumentation-dns': { enabled: false },
    '@opentelemetry/instrumentation-net': { enabled: false },
    '@opentelemetry/instrumentation-fs': { enabled: false },
    '@opentelemetry/instrumentation-http': {
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has(pathOf(request)),
      startIncomingSpanHook: (request) => redactedUrlAttributes(request),
    },
    // Queries outside any request or job (the worker's polling) would each become a trace of their own.
    '@opentelemetry/instrumentation-pg': { requireParentSpan: true, enhancedDatabaseReporting: false },
    // Log records go to the OTLP logs exporter only when a logs endpoint is configured.
    '@opentelemetry/instrumentation-pino': { disableLogSending: !signals.logs },
  });
}

/**
 * URL attributes without secrets (OWASP Logging: no credentials in telemetry): share links carry
 * their token in the path, and query values may hold personal data, so only query keys are kept.
 * These override the attributes the http instrumentation derives from the raw URL.
 */
export function redactedUrlAttributes(request: Pick<IncomingMessage, 'url'>): Attributes {
  const raw = request.url ?? '/';
  const queryAt = raw.indexOf('?');
  const path = redactShareToken(queryAt === -1 ? raw : raw.slice(0, queryAt));
  if (queryAt === -1) return { 'url.path': path };
  const keys = [...new URLSearchParams(raw.slice(queryAt + 1)).keys()];
  return { 'url.path': path, 'url.query': keys.map((key) => `${encodeURIComponent(key)}=REDACTED`).join('&') };
}

function pathOf(request: Pick<IncomingMessage, 'url'>): string {
  const raw = request.url ?? '/';
  const queryAt = raw.indexOf('?');
  return queryAt === -1 ? raw : raw.slice(0, queryAt);
}

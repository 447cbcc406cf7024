import { trace } from '@opentelemetry/api';
import { NodeSDK, type tracing } from '@opentelemetry/sdk-node';
import { GenAiProviderNameTracerProvider } from './gen-ai-provider-name.js';
import { createInstrumentations } from './instrumentations.js';
import { markTelemetryStarted } from './lifecycle.js';
import { mediaReadSampler } from './media-sampler.js';
import { parseEnv } from '../config/env-parsers.js';
import { readMediaTracesSampleRatio } from '../config/config.js';
import type { SignalSelection } from './telemetry-env.js';

const DEFAULT_SERVICE_NAME = 'photovault';

/**
 * Starts the OpenTelemetry Node SDK, configured by the standard OTEL_* variables (endpoints,
 * protocol, headers, sampler, resource, export intervals). Signals without a destination get no
 * exporter at all instead of one that fails against localhost. Must run before the app's modules
 * load, so that http, pg, pino and openai are patched when first imported.
 */
export async function startTelemetry(signals: SignalSelection, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  // No ESM loader hook (import-in-the-middle): it put every module the app imports through a loader
  // thread, which cost ~1.2 s of start-up. The libraries instrumented here are all reached through
  // require(), which the instrumentations patch: Fastify requires http and pino, fetch reports
  // through diagnostics channels, and the app loads pg and openai with createRequire (see
  // src/db/database.ts and src/agent/openai-caption-model.ts). Tests check their spans exist.
  const instrumentations = createInstrumentations(signals, env);
  const sampler = defaultSamplerFor(env);
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES win; otherwise "photovault".
    serviceName: hasServiceName(env) ? undefined : DEFAULT_SERVICE_NAME,
    instrumentations,
    ...(sampler ? { sampler } : {}),
    ...(signals.traces ? {} : { spanProcessors: [] }),
    ...(signals.metrics ? {} : { metricReaders: [] }),
    ...(signals.logs ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  const openai = instrumentations.find((instrumentation) => instrumentation.instrumentationName === '@opentelemetry/instrumentation-openai');
  openai?.setTracerProvider(new GenAiProviderNameTracerProvider(trace.getTracerProvider()));
  markTelemetryStarted(() => sdk.shutdown());
}

/**
 * photovault's sampler for this environment, or undefined when OTEL_TRACES_SAMPLER is set: that
 * replaces the default whole (the SDK reads it). A bad MEDIA_TRACES_SAMPLE_RATIO throws, naming it.
 */
export function defaultSamplerFor(env: Readonly<Record<string, string | undefined>>): tracing.Sampler | undefined {
  if (env['OTEL_TRACES_SAMPLER']?.trim()) return undefined;
  const { mediaRatio } = parseEnv(env, (read) => ({ mediaRatio: readMediaTracesSampleRatio(read) }));
  return mediaReadSampler(mediaRatio);
}

function hasServiceName(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env['OTEL_SERVICE_NAME']?.trim()) return true;
  return (env['OTEL_RESOURCE_ATTRIBUTES'] ?? '').split(',').some((pair) => pair.trim().startsWith('service.name='));
}

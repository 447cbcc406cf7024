import { register } from 'node:module';
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createAddHookMessageChannel } from 'import-in-the-middle';
import { GenAiProviderNameTracerProvider } from './gen-ai-provider-name.js';
import { createInstrumentations } from './instrumentations.js';
import { markTelemetryStarted } from './lifecycle.js';
import type { SignalSelection } from './telemetry-env.js';

const DEFAULT_SERVICE_NAME = 'photovault';

/**
 * Starts the OpenTelemetry Node SDK, configured by the standard OTEL_* variables (endpoints,
 * protocol, headers, sampler, resource, export intervals). Signals without a destination get no
 * exporter at all instead of one that fails against localhost. Must run before the app's modules
 * load, so that http, pg, pino and openai are patched when first imported.
 */
export async function startTelemetry(signals: SignalSelection, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  // ESM imports (pg, openai from our modules) are patched through import-in-the-middle's loader;
  // the message channel limits it to the modules an instrumentation asked for.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  const instrumentations = createInstrumentations(signals, env);
  const sdk = new NodeSDK({
    // OTEL_SERVICE_NAME or service.name in OTEL_RESOURCE_ATTRIBUTES win; otherwise "photovault".
    serviceName: hasServiceName(env) ? undefined : DEFAULT_SERVICE_NAME,
    instrumentations,
    ...(signals.traces ? {} : { spanProcessors: [] }),
    ...(signals.metrics ? {} : { metricReaders: [] }),
    ...(signals.logs ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  const openai = instrumentations.find((instrumentation) => instrumentation.instrumentationName === '@opentelemetry/instrumentation-openai');
  openai?.setTracerProvider(new GenAiProviderNameTracerProvider(trace.getTracerProvider()));
  await waitForAllMessagesAcknowledged();
  markTelemetryStarted(() => sdk.shutdown());
}

function hasServiceName(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env['OTEL_SERVICE_NAME']?.trim()) return true;
  return (env['OTEL_RESOURCE_ATTRIBUTES'] ?? '').split(',').some((pair) => pair.trim().startsWith('service.name='));
}

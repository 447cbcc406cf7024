import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { metrics as sdkMetrics, node, tracing } from '@opentelemetry/sdk-node';
import { markTelemetryStarted, shutdownTelemetry } from '../../src/telemetry/lifecycle.js';

export interface InMemoryTelemetry {
  readonly spans: tracing.InMemorySpanExporter;
  /** Collects the current cumulative value of every instrument. */
  collectMetrics(): Promise<sdkMetrics.MetricData[]>;
  stop(): Promise<void>;
}

/**
 * The SDK in-process with in-memory exporters, for tests that check what the app records without
 * a child process. Must run before the first metric is recorded in the test file (instruments are
 * created on first use against the global MeterProvider). `sampler` replaces the SDK's default.
 */
export function startInMemoryTelemetry(options: { readonly sampler?: tracing.Sampler } = {}): InMemoryTelemetry {
  const spans = new tracing.InMemorySpanExporter();
  const tracerProvider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(spans)], ...(options.sampler ? { sampler: options.sampler } : {}) });
  tracerProvider.register();
  const reader = new sdkMetrics.PeriodicExportingMetricReader({
    exporter: new sdkMetrics.InMemoryMetricExporter(sdkMetrics.AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new sdkMetrics.MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  markTelemetryStarted(async () => {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  });
  return {
    spans,
    async collectMetrics() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    },
    async stop() {
      await shutdownTelemetry();
      trace.disable();
      metrics.disable();
      context.disable();
      propagation.disable();
    },
  };
}

import { describe, expect, it } from 'vitest';
import { anySignal, selectSignals } from '../../src/telemetry/telemetry-env.js';

describe('selectSignals', () => {
  it('turns nothing on without an endpoint (npm start stays free of the SDK)', () => {
    expect(selectSignals({})).toEqual({ traces: false, metrics: false, logs: false });
    expect(anySignal(selectSignals({ OTEL_SERVICE_NAME: 'photovault', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }))).toBe(false);
  });

  it('turns every signal on with the general endpoint', () => {
    expect(selectSignals({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({ traces: true, metrics: true, logs: true });
  });

  it('turns on only the signals that have their own endpoint', () => {
    expect(selectSignals({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces' })).toEqual({ traces: true, metrics: false, logs: false });
  });

  it('honours OTEL_<SIGNAL>_EXPORTER=none and explicit non-OTLP exporters', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_LOGS_EXPORTER: 'none' };
    expect(selectSignals(env)).toEqual({ traces: true, metrics: true, logs: false });
    expect(selectSignals({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({ traces: true, metrics: false, logs: false });
    expect(selectSignals({ OTEL_METRICS_EXPORTER: 'prometheus' })).toEqual({ traces: false, metrics: true, logs: false });
  });

  it('turns everything off with OTEL_SDK_DISABLED=true', () => {
    expect(anySignal(selectSignals({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(false);
    expect(anySignal(selectSignals({ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(true);
  });
});

export type Signal = 'traces' | 'metrics' | 'logs';

export type SignalSelection = Readonly<Record<Signal, boolean>>;

const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/**
 * Which signals to export, decided from the standard OTEL_* variables alone. A signal is on when
 * something would receive it: an OTLP endpoint (general or per signal) with the default `otlp`
 * exporter, or an explicitly chosen other exporter (console, zipkin, prometheus). With no endpoint
 * nothing is on, so the SDK is never even loaded and `npm start` stays as cheap as before.
 * OTEL_SDK_DISABLED=true turns everything off.
 */
export function selectSignals(env: Readonly<Record<string, string | undefined>>): SignalSelection {
  const off = { traces: false, metrics: false, logs: false };
  if (isTrue(env['OTEL_SDK_DISABLED'])) return off;
  const generalEndpoint = nonEmpty(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
  const selection = { ...off };
  for (const signal of SIGNALS) {
    const upper = signal.toUpperCase();
    const exporters = listOf(env[`OTEL_${upper}_EXPORTER`]);
    if (exporters.includes('none')) continue;
    const hasEndpoint = generalEndpoint || nonEmpty(env[`OTEL_EXPORTER_OTLP_${upper}_ENDPOINT`]);
    const otherExporter = exporters.some((name) => name !== 'otlp');
    selection[signal] = hasEndpoint || otherExporter;
  }
  return selection;
}

export function anySignal(selection: SignalSelection): boolean {
  return selection.traces || selection.metrics || selection.logs;
}

/**
 * Whether the instrumentation with this short name (http, undici, pg, pino, openai, runtime-node) is
 * on: OTEL_NODE_ENABLED_INSTRUMENTATIONS lists the only ones on, OTEL_NODE_DISABLED_INSTRUMENTATIONS
 * the ones off, with the same comma-separated short names as the auto-instrumentations bundle.
 */
export function isInstrumentationSelected(name: string, env: Readonly<Record<string, string | undefined>>): boolean {
  const enabled = nameList(env['OTEL_NODE_ENABLED_INSTRUMENTATIONS']);
  const disabled = nameList(env['OTEL_NODE_DISABLED_INSTRUMENTATIONS']);
  return (enabled === null || enabled.has(name)) && !disabled?.has(name);
}

function nameList(value: string | undefined): Set<string> | null {
  if (value === undefined || value.trim() === '') return null;
  return new Set(value.split(',').map((name) => name.trim()).filter(Boolean));
}

function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

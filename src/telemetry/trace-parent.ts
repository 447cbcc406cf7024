import { context, trace, TraceFlags, type Context, type SpanContext } from '@opentelemetry/api';

// W3C Trace Context, version 00: version-traceid-parentid-flags, lowercase hex.
const TRACE_PARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * The W3C traceparent of the active span, or '' when there is none (telemetry off). Written by
 * hand rather than through the global propagator so that it stays a traceparent even when
 * OTEL_PROPAGATORS selects another format for HTTP.
 */
export function currentTraceParent(): string {
  const spanContext = trace.getActiveSpan()?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? formatTraceParent(spanContext) : '';
}

export function formatTraceParent(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The remote span context a stored traceparent names, or undefined when it is empty or malformed. */
export function parseTraceParent(value: string | undefined): SpanContext | undefined {
  const match = TRACE_PARENT.exec(value?.trim() ?? '');
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
}

/** A context whose parent is the span a stored traceparent names, so background work joins that trace. */
export function contextFromTraceParent(value: string | undefined, base: Context = context.active()): Context | undefined {
  const parent = parseTraceParent(value);
  return parent ? trace.setSpanContext(base, parent) : undefined;
}

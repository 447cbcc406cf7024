import { SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';

/** The tracer for photovault's own spans (pipeline steps, jobs, SQLite queries). */
export function photovaultTracer(): Tracer {
  return trace.getTracer('photovault');
}

/** The error's class name: low-cardinality, safe (never the message) for `error.type`. */
export function errorTypeOf(error: unknown): string {
  return error instanceof Error ? error.name || error.constructor.name : typeof error;
}

/** Marks a span failed: exception event, `error.type`, ERROR status. */
export function recordSpanError(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setAttribute('error.type', errorTypeOf(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Records a handled error on the active span (e.g. a job that will be retried). */
export function recordErrorOnActiveSpan(error: unknown): void {
  const span = trace.getActiveSpan();
  if (span) recordSpanError(span, error);
}

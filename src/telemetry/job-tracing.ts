import { context, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { photovaultTracer, recordSpanError } from './tracer.js';
import { contextFromTraceParent } from './trace-parent.js';

export interface TracedJob {
  readonly id: string;
  readonly kind: string;
  readonly photo_id: string | null;
  readonly attempts: number;
  /** JSON; a `traceparent` member names the span that enqueued the job. */
  readonly payload: string;
}

/**
 * Runs a background job in a `job <kind>` span whose parent is the span that enqueued it (the
 * traceparent in the job's payload), so the upload request, the pipeline steps and the caption
 * call form one trace although they run later, maybe in another process. Jobs without one start
 * a new trace. Every log line written inside carries this span's trace_id and span_id.
 */
export function runJobInTrace<T>(job: TracedJob, work: () => Promise<T>): Promise<T> {
  const parent = contextFromTraceParent(traceParentOf(job.payload), ROOT_CONTEXT) ?? ROOT_CONTEXT;
  const attributes = {
    'photovault.job.kind': job.kind,
    'photovault.job.id': job.id,
    'photovault.job.attempt': job.attempts,
    ...(job.photo_id ? { 'photovault.photo.id': job.photo_id } : {}),
  };
  return context.with(parent, () =>
    photovaultTracer().startActiveSpan(`job ${job.kind}`, { kind: SpanKind.CONSUMER, attributes }, async (span) => {
      try {
        return await work();
      } catch (error) {
        recordSpanError(span, error);
        throw error;
      } finally {
        span.end();
      }
    }),
  );
}

/** The job payload for a job enqueued now: carries the active span's traceparent when there is one. */
export function jobPayload(traceParent: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify(traceParent ? { ...extra, traceparent: traceParent } : extra);
}

function traceParentOf(payload: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(payload);
    if (parsed && typeof parsed === 'object' && 'traceparent' in parsed && typeof parsed.traceparent === 'string') return parsed.traceparent;
  } catch {
    // A malformed payload only loses the trace link; the job itself still runs.
  }
  return undefined;
}

/**
 * Runs the worker's own bookkeeping (polling, claiming) outside whatever trace happened to wake it,
 * so a request that enqueued a job does not show the claim of some other job in its trace.
 */
export function outsideAnyTrace<T>(work: () => T): T {
  return context.with(ROOT_CONTEXT, work);
}

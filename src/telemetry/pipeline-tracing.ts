import { performance } from 'node:perf_hooks';
import type { Attributes, Span } from '@opentelemetry/api';
import { recordStepDuration } from './metrics.js';
import { errorTypeOf, photovaultTracer, recordSpanError } from './tracer.js';

export type PipelineStep = 'validate' | 'scan' | 'transform' | 'moderate' | 'store' | 'caption';

/**
 * Runs one upload-pipeline step in its own span, named exactly `photo.<step>`, and records its
 * duration in `photovault.pipeline.step.duration` (with `error.type` when it failed). A failed step
 * (including a rejection) marks the span as an error and rethrows.
 */
export function traceStep<T>(step: PipelineStep, work: (span: Span) => Promise<T>, attributes: Attributes = {}): Promise<T> {
  const started = performance.now();
  return photovaultTracer().startActiveSpan(`photo.${step}`, { attributes: { 'photovault.pipeline.step': step, ...attributes } }, async (span) => {
    let errorType: string | undefined;
    try {
      return await work(span);
    } catch (error) {
      errorType = errorTypeOf(error);
      recordSpanError(span, error);
      throw error;
    } finally {
      recordStepDuration(step, (performance.now() - started) / 1000, errorType);
      span.end();
    }
  });
}

import { metrics, type Attributes, type Counter, type Histogram, type Meter, type ObservableGauge, type ObservableResult, type BatchObservableResult } from '@opentelemetry/api';
import { METRIC_DEFINITIONS as M } from './metric-definitions.js';

export type UploadOutcome =
  | 'accepted'
  | 'held_moderation'
  | 'rejected_empty'
  | 'rejected_type'
  | 'rejected_size'
  | 'rejected_pixels'
  | 'rejected_corrupt'
  | 'rejected_malware'
  | 'rejected_other'
  | 'failed';

export type CaptionOutcome = 'stored' | 'skipped' | 'refused' | 'transient_error' | 'gave_up';

// Seconds, from a 5 ms moderation call to a minute-long scan of a large file.
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
// http.server.request.duration's buckets, as the HTTP semantic conventions advise (seconds).
const HTTP_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

const REJECTION_OUTCOMES: Readonly<Record<string, UploadOutcome>> = {
  empty: 'rejected_empty',
  unsupported_type: 'rejected_type',
  too_large: 'rejected_size',
  too_many_pixels: 'rejected_pixels',
  corrupt: 'rejected_corrupt',
  malware: 'rejected_malware',
};

interface Instruments {
  uploads: Counter;
  authFailures: Counter;
  csrfRejections: Counter;
  throttled: Counter;
  captions: Counter;
  stepDuration: Histogram;
  scanDuration: Histogram;
  moderationDuration: Histogram;
  queueDepth: ObservableGauge;
  jobsFailed: ObservableGauge;
  jobAge: ObservableGauge;
  dependencyUp: ObservableGauge;
  meter: Meter;
  httpServerDuration: Histogram;
}

let instruments: Instruments | undefined;

/**
 * Instruments are created on first use, not at import: the global MeterProvider must be in place
 * first (the bootstrap sets it before the app loads; tests may set an in-memory one).
 */
function use(): Instruments {
  instruments ??= createInstruments(metrics.getMeter('photovault'));
  return instruments;
}

function createInstruments(meter: Meter): Instruments {
  const counter = (d: (typeof M)[keyof typeof M]) => meter.createCounter(d.name, { unit: d.unit, description: d.description });
  const gauge = (d: (typeof M)[keyof typeof M]) => meter.createObservableGauge(d.name, { unit: d.unit, description: d.description });
  const histogram = (d: (typeof M)[keyof typeof M]) =>
    meter.createHistogram(d.name, { unit: d.unit, description: d.description, advice: { explicitBucketBoundaries: SECONDS_BUCKETS } });
  return {
    uploads: counter(M.uploads),
    authFailures: counter(M.authFailures),
    csrfRejections: counter(M.csrfRejections),
    throttled: counter(M.throttled),
    captions: counter(M.captions),
    stepDuration: histogram(M.stepDuration),
    scanDuration: histogram(M.scanDuration),
    moderationDuration: histogram(M.moderationDuration),
    queueDepth: gauge(M.queueDepth),
    jobsFailed: gauge(M.jobsFailed),
    jobAge: gauge(M.jobAge),
    dependencyUp: gauge(M.dependencyUp),
    meter,
    // Named and shaped by the HTTP semantic conventions, not one of photovault's own metrics.
    httpServerDuration: meter.createHistogram('http.server.request.duration', {
      unit: 's',
      description: 'Duration of HTTP server requests.',
      advice: { explicitBucketBoundaries: HTTP_SECONDS_BUCKETS },
    }),
  };
}

/** The upload outcome for a PhotoRejectedError reason. */
export function uploadOutcomeForRejection(reason: string): UploadOutcome {
  return REJECTION_OUTCOMES[reason] ?? 'rejected_other';
}

/** Counts an upload once, at its final outcome (published, held, rejected or failed). */
export function recordUploadOutcome(outcome: UploadOutcome): void {
  use().uploads.add(1, { outcome });
}

export function recordAuthFailure(method: 'password' | 'api_token', reason: string): void {
  use().authFailures.add(1, { 'auth.method': method, reason });
}

/** `reason` comes from a fixed set of messages in security/csrf.ts; it becomes a short slug. */
export function recordCsrfRejection(reason: string): void {
  use().csrfRejections.add(1, { reason: slug(reason) });
}

/** `route` is the matched route template, never the raw path (bounded cardinality, no tokens). */
export function recordThrottled(route: string | undefined): void {
  use().throttled.add(1, { 'http.route': route ?? 'unmatched' });
}

/** One answered request (see telemetry/http-telemetry.ts for its attributes). */
export function recordHttpServerDuration(seconds: number, attributes: Attributes): void {
  use().httpServerDuration.record(seconds, attributes);
}

export function recordCaption(outcome: CaptionOutcome): void {
  use().captions.add(1, { outcome });
}

export function recordStepDuration(step: string, seconds: number, errorType?: string): void {
  use().stepDuration.record(seconds, errorType ? { step, 'error.type': errorType } : { step });
}

export function recordScanDuration(scanner: string, outcome: string, seconds: number): void {
  use().scanDuration.record(seconds, { scanner, outcome });
}

export function recordModerationDuration(outcome: string, seconds: number): void {
  use().moderationDuration.record(seconds, { outcome });
}

/** What the job gauges read at each collection (see JobRepository.countByKind). */
export interface JobGaugeReadings {
  readonly pending: ReadonlyMap<string, number>;
  readonly failed: ReadonlyMap<string, number>;
  readonly oldestDueAgeMs: ReadonlyMap<string, number>;
}

/**
 * Reports, per kind, the jobs queued or running, the jobs failed for good, and the age of the oldest
 * due job whenever metrics are collected, from one read. Kinds with no jobs report 0, so a drained
 * queue shows as 0 rather than as a missing series. Returns the unsubscribe function, to be called
 * before the database closes.
 */
export function observeJobQueues(kinds: readonly string[], read: () => Promise<JobGaugeReadings>): () => void {
  const { meter, queueDepth, jobsFailed, jobAge } = use();
  const callback = async (result: BatchObservableResult) => {
    let readings: JobGaugeReadings;
    try {
      readings = await read();
    } catch {
      return; // The database is closing or unreachable: skip this collection rather than report 0.
    }
    const all = new Set([...kinds, ...readings.pending.keys(), ...readings.failed.keys()]);
    for (const kind of all) {
      const attributes = { 'job.kind': kind };
      result.observe(queueDepth, readings.pending.get(kind) ?? 0, attributes);
      result.observe(jobsFailed, readings.failed.get(kind) ?? 0, attributes);
      result.observe(jobAge, (readings.oldestDueAgeMs.get(kind) ?? 0) / 1000, attributes);
    }
  };
  const observables = [queueDepth, jobsFailed, jobAge];
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

/**
 * Reports each dependency as 1 (answers its readiness check) or 0 whenever metrics are collected,
 * with the attribute `dependency` (database, storage, scanner). Returns the unsubscribe function.
 */
export function observeDependencies(read: () => Promise<ReadonlyMap<string, boolean>>): () => void {
  const gauge = use().dependencyUp;
  const callback = async (result: ObservableResult) => {
    for (const [dependency, up] of await read()) result.observe(up ? 1 : 0, { dependency });
  };
  gauge.addCallback(callback);
  return () => gauge.removeCallback(callback);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** What a handler sees of the job it runs, whichever engine carries it. */
export interface QueuedJob {
  readonly id: string;
  readonly kind: string;
  readonly photo_id: string | null;
  /** JSON; a `traceparent` member names the span that enqueued the job. */
  readonly payload: string;
  /** This attempt's number, from 1. Postponements do not count. */
  readonly attempts: number;
  readonly max_attempts: number;
  /** When the job was first queued (ms). */
  readonly created_at: number;
}

/** A job to queue. Its id is its deduplication key: queuing an id that exists is a no-op. */
export interface JobSpec {
  readonly id: string;
  readonly kind: string;
  readonly photoId?: string | null;
  readonly payload?: string;
  readonly maxAttempts: number;
  /** When it is queued (ms; default now). */
  readonly at?: number;
  /** Not before this time (ms; default `at`). */
  readonly runAt?: number;
}

/** Jobs per kind, by the states an operator watches (the job gauges read these). */
export interface JobCounts {
  /** Queued, delayed or running. */
  readonly pending: ReadonlyMap<string, number>;
  readonly failed: ReadonlyMap<string, number>;
  /** Age (ms) of the oldest due job that is still waiting, per kind. */
  readonly oldestDueAgeMs: ReadonlyMap<string, number>;
}

/**
 * Thrown by a handler whose dependency is away (the malware scanner, the caption model): the job
 * goes back to the queue without counting as an attempt, however long the outage lasts. Without a
 * delay, the wait grows with the job's age (see postponementMs).
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs?: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** Thrown by a handler when running the job again cannot help: it fails for good at once. */
export class PermanentJobError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export interface JobHandler {
  /** Runs one job. Delivery is at least once: after a crash a job runs again, so this must be idempotent. */
  run(job: QueuedJob): Promise<void>;
  /** Called once when the job has used up its attempts. */
  onGiveUp?(job: QueuedJob, error: unknown): Promise<void>;
}

/** Writes made in the transaction that records what a job is about (a photo row). */
export type RecordWrite = (trx: Transaction<Database>) => Promise<void>;

/**
 * The job queue seam: the `jobs` table (embedded default) or BullMQ on Redis (REDIS_URL), one
 * contract for both (test/jobs/queue-contract.test.ts). Each kind is its own queue with its own
 * concurrency; delivery is at least once; a job's id deduplicates it.
 */
export interface JobQueue {
  readonly engine: 'table' | 'bullmq';
  /**
   * True when `enqueueWith` queues the job in the same database transaction as the record. When
   * false the job is queued right after the commit, and a crash in between is repaired by the
   * reconciler (src/photos/processing/reconcile-photo-jobs.ts), which needs the record to say so.
   */
  readonly transactional: boolean;
  /** Queues `job` unless a job with its id exists (in any state); true when this call queued it. */
  enqueue(job: JobSpec): Promise<boolean>;
  /** Commits `write` and queues `job` with it (see `transactional`). */
  enqueueWith(write: RecordWrite, job: JobSpec): Promise<void>;
  /** Starts running jobs in this process (the worker). */
  start(): Promise<void>;
  /** Wakes this process's worker (after an enqueue elsewhere in the process). */
  notify(): void;
  /** Stops taking jobs; running ones get a grace period, then go back to the queue. */
  stop(): Promise<void>;
  /** Resolves when this worker runs nothing and no job is due (tests and benchmarks). */
  drain(): Promise<void>;
  /** Makes every waiting job due now (operators' "retry now"; tests). */
  runDueNow(): Promise<void>;
  /** Depth, failures and oldest due job per kind (the job gauges). */
  counts(): Promise<JobCounts>;
  /** Retention: removes done jobs finished before `doneBefore` and failed ones before `failedBefore`. */
  purgeFinished(doneBefore: number, failedBefore: number): Promise<number>;
  /** Stops the worker and releases the queue's connections. */
  close(): Promise<void>;
}

const BASE_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 5 * 60_000;
const MIN_POSTPONE_MS = 5_000;
const MAX_POSTPONE_MS = 15 * 60_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 30_000;

/** Exponential backoff with jitter: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function backoffMs(attempt: number): number {
  const base = Math.min(BASE_BACKOFF_MS * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** A postponed job without a delay of its own waits a quarter of its age: 5 s at first, 15 minutes at most. */
export function postponementMs(job: Pick<QueuedJob, 'created_at'>, now: number): number {
  return Math.min(MAX_POSTPONE_MS, Math.max(MIN_POSTPONE_MS, Math.round((now - Number(job.created_at)) / 4)));
}

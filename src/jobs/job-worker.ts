import type { FastifyBaseLogger } from 'fastify';
import { outsideAnyTrace, runJobInTrace } from '../telemetry/job-tracing.js';
import { recordErrorOnActiveSpan } from '../telemetry/tracer.js';
import type { JobRecord, JobRepository } from './job-repository.js';

/** Thrown by a handler to be run again later without counting as a failure (e.g. scanner down). */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

export interface JobHandler {
  run(job: JobRecord): Promise<void>;
  /** Called once when the job has used up its attempts. */
  onGiveUp?(job: JobRecord, error: unknown): Promise<void>;
}

export interface JobWorkerOptions {
  readonly concurrency: number;
  readonly pollIntervalMs?: number;
  readonly leaseMs?: number;
  readonly now?: () => number;
}

const BASE_BACKOFF_MS = 2_000;
const MAX_BACKOFF_MS = 5 * 60_000;

/** Exponential backoff with jitter: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function backoffMs(attempt: number): number {
  const base = Math.min(BASE_BACKOFF_MS * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Runs durable jobs from the database with bounded concurrency. Runs in the web process by
 * default, or alone in `src/worker.ts` processes; several workers can share one database.
 */
export function createJobWorker(repository: JobRepository, handlers: Record<string, JobHandler>, log: FastifyBaseLogger, options: JobWorkerOptions) {
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  let running = 0;
  let stopped = true;
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  const idleWaiters: (() => void)[] = [];

  // Each job runs in its own span, joined to the trace that enqueued it; the retry bookkeeping and
  // its log lines happen inside that span too.
  const execute = (job: JobRecord): Promise<void> => runJobInTrace(job, () => executeInSpan(job));

  async function executeInSpan(job: JobRecord): Promise<void> {
    const handler = handlers[job.kind];
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler.run(job);
      await repository.complete(job.id, now());
    } catch (error) {
      recordErrorOnActiveSpan(error);
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof RetryLaterError) {
        log.warn({ job_id: job.id, kind: job.kind, delay_ms: error.delayMs }, `job postponed: ${message}`);
        await repository.retryAt(job.id, now() + error.delayMs, message, now());
      } else if (job.attempts < job.max_attempts) {
        log.warn({ job_id: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed, will retry');
        await repository.retryAt(job.id, now() + backoffMs(job.attempts), message, now());
      } else {
        log.error({ job_id: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed for good');
        await repository.fail(job.id, message, now());
        await handler?.onGiveUp?.(job, error);
      }
    }
  }

  async function fill(): Promise<void> {
    while (!stopped && running < options.concurrency) {
      const job = await repository.claimNext(now(), leaseMs);
      if (!job) break;
      running++;
      const task = execute(job)
        .catch((error: unknown) => log.error({ err: error, job_id: job.id }, 'job bookkeeping failed'))
        .finally(() => {
          running--;
          inFlight.delete(task);
          if (running === 0) for (const resolve of idleWaiters.splice(0)) resolve();
          if (!stopped) void poke();
        });
      inFlight.add(task);
    }
  }

  let filling: Promise<void> | undefined;
  function poke(): Promise<void> {
    filling ??= outsideAnyTrace(fill)
      .catch((error: unknown) => log.error({ err: error }, 'job polling failed'))
      .finally(() => {
        filling = undefined;
      });
    return filling;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void poke().finally(schedule);
    }, pollIntervalMs);
    timer.unref();
  }

  return {
    async start(): Promise<void> {
      if (!stopped) return;
      stopped = false;
      await repository.requeueExpiredLeases(now());
      void poke();
      schedule();
    },
    /** Wakes the worker at once (after an enqueue in this process). */
    notify(): void {
      if (!stopped) void poke();
    },
    /** Stops taking jobs and waits for the running ones. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await filling;
      await Promise.all([...inFlight]);
    },
    /** Resolves when nothing is running and nothing due is queued (tests and benchmarks). */
    async drain(): Promise<void> {
      for (;;) {
        await poke();
        if (running > 0) {
          await new Promise<void>((resolve) => idleWaiters.push(resolve));
          continue;
        }
        if (!(await repository.hasDue(now()))) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    /** Makes every waiting job due now (operators' "retry now"; tests). */
    async runDueNow(): Promise<void> {
      await repository.makeAllDue(now());
      void poke();
    },
    get running() {
      return running;
    },
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;

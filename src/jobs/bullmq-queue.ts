import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import type { RedisClients } from '../runtime/redis.js';
import { withTimeout } from '../runtime/with-timeout.js';
import { runJobInTrace } from '../telemetry/job-tracing.js';
import { recordErrorOnActiveSpan } from '../telemetry/tracer.js';
import { backoffMs, DEFAULT_HEARTBEAT_TIMEOUT_MS, PermanentJobError, postponementMs, RetryLaterError, type JobCounts, type JobHandler, type JobQueue, type JobSpec, type QueuedJob } from './job-queue.js';

export interface BullMqQueueOptions {
  /** The database whose transactions record what the jobs are about. */
  readonly db: Db;
  readonly redis: RedisClients;
  /** Namespaces every key (REDIS_KEY_PREFIX), so several apps or test runs can share one Redis. */
  readonly prefix: string;
  readonly concurrency: Readonly<Record<string, number>>;
  /** A job whose worker has not renewed its lock for this long is taken over by another worker. */
  readonly heartbeatTimeoutMs?: number;
  /** How long done and failed jobs (and so their ids, for deduplication) are kept. */
  readonly retention: { readonly doneMs: number; readonly failedMs: number };
  /** How long stop() waits for running jobs; those still running are taken over after their lock ends. */
  readonly stopGraceMs?: number;
}

interface JobData {
  readonly photoId: string | null;
  readonly payload: string;
  readonly createdAt: number;
}

// BullMQ's own failure of a job whose worker died during more than maxStalledCount runs.
const STALLED_FAILURE = 'job stalled more than allowable limit';
// As with the table queue, a job whose process died during each of its runs fails for good
// instead of crashing every worker in turn; BullMQ counts these runs per worker setting, not per job.
const MAX_STALLED_RUNS = 4;

const ENQUEUE_AFTER_COMMIT_MS = 2_000;

type Outcome = { readonly next: 'done' } | { readonly next: 'postpone'; readonly delayMs: number } | { readonly next: 'retry' | 'fail'; readonly error: unknown };

/**
 * The scale-out engine (REDIS_URL): one BullMQ queue per job kind on Redis, with `bullmq-otel` so
 * BullMQ's producer and consumer spans join the trace that queued the job; the job's own span joins
 * it through the payload's traceparent, as with the table queue. The same guarantees as the table
 * queue, by BullMQ's means: the job id deduplicates (while the job is retained), a worker holds a
 * lock it renews and live workers move the jobs of dead ones back to the queue (stalled jobs),
 * RetryLaterError moves the job to the delayed set without spending an attempt, PermanentJobError
 * fails it at once. Queuing is outside the database transaction that records a photo: see
 * `transactional` and the reconciler.
 */
export function createBullMqJobQueue(handlers: Record<string, JobHandler>, log: FastifyBaseLogger, options: BullMqQueueOptions): JobQueue {
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
  const stopGraceMs = options.stopGraceMs ?? 8_000;
  const telemetry = new BullMQOtel({ tracerName: 'photovault-bullmq' });
  const kinds = Object.keys(handlers);
  const queues = new Map(kinds.map((kind) => [kind, new Queue<JobData>(kind, { connection: options.redis.commands, prefix: options.prefix, telemetry })]));
  let workers: Worker<JobData>[] = [];
  let running = 0;

  const queueOf = (kind: string): Queue<JobData> => {
    const queue = queues.get(kind);
    if (!queue) throw new Error(`no handler for job kind ${kind}`);
    return queue;
  };

  const jobOptions = (job: JobSpec, at: number): JobsOptions => ({
    jobId: job.id,
    attempts: job.maxAttempts,
    backoff: { type: 'photovault' },
    delay: Math.max(0, (job.runAt ?? at) - Date.now()),
    timestamp: at,
    removeOnComplete: { age: Math.ceil(options.retention.doneMs / 1000) },
    removeOnFail: { age: Math.ceil(options.retention.failedMs / 1000) },
  });

  async function enqueue(job: JobSpec): Promise<boolean> {
    const queue = queueOf(job.kind);
    // add() with an existing id returns that job unchanged; the look-up only tells the caller.
    if (await queue.getJob(job.id)) return false;
    const at = job.at ?? Date.now();
    await queue.add(job.kind, { photoId: job.photoId ?? null, payload: job.payload ?? '{}', createdAt: at }, jobOptions(job, at));
    return true;
  }

  async function settle(handler: JobHandler, job: QueuedJob): Promise<Outcome> {
    const fields = { job_id: job.id, kind: job.kind, attempt: job.attempts };
    try {
      await handler.run(job);
      return { next: 'done' };
    } catch (error) {
      recordErrorOnActiveSpan(error);
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof RetryLaterError) {
        const delayMs = error.delayMs ?? postponementMs(job, Date.now());
        log.warn({ ...fields, delay_ms: delayMs }, `job postponed: ${message}`);
        return { next: 'postpone', delayMs };
      }
      if (job.attempts < job.max_attempts && !(error instanceof PermanentJobError)) {
        log.warn({ ...fields, err: error }, 'job failed, will retry');
        return { next: 'retry', error };
      }
      log.error({ ...fields, err: error }, 'job failed for good');
      await handler.onGiveUp?.(job, error);
      return { next: 'fail', error };
    }
  }

  const processorFor = (kind: string, handler: JobHandler) => async (job: Job<JobData>, token?: string) => {
    const queued = queuedJobOf(kind, job);
    running++;
    let outcome: Outcome;
    try {
      outcome = await runJobInTrace(queued, () => settle(handler, queued));
    } finally {
      running--;
    }
    if (outcome.next === 'postpone') {
      // Back to the delayed set with the attempt given back (moveToDelayed skips the attempt count).
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
    if (outcome.next === 'fail') throw new UnrecoverableError(messageOf(outcome.error));
    if (outcome.next === 'retry') throw outcome.error;
  };

  function startWorker(kind: string, handler: JobHandler): Worker<JobData> {
    const worker = new Worker<JobData>(kind, processorFor(kind, handler), {
      connection: options.redis.workers,
      prefix: options.prefix,
      telemetry,
      concurrency: Math.max(1, options.concurrency[kind] ?? 1),
      lockDuration: heartbeatTimeoutMs,
      stalledInterval: Math.max(1_000, Math.floor(heartbeatTimeoutMs / 3)),
      maxStalledCount: MAX_STALLED_RUNS,
      settings: { backoffStrategy: (attemptsMade: number) => backoffMs(attemptsMade) },
    });
    worker.on('error', (error) => log.error({ err: error, kind }, 'job worker error'));
    worker.on('stalled', (jobId) => log.warn({ event: 'jobs_taken_over', job_id: jobId, kind }, 'took over the job of a worker that stopped answering'));
    worker.on('failed', (job, error) => {
      if (!job || error.message !== STALLED_FAILURE) return;
      const queued = queuedJobOf(kind, job);
      log.error({ job_id: job.id, kind }, `job failed for good: the worker stopped during each of its runs`);
      handler.onGiveUp?.(queued, error).catch((giveUpError: unknown) => log.error({ err: giveUpError, job_id: job.id }, 'job bookkeeping failed'));
    });
    return worker;
  }

  async function stopWorkers(): Promise<void> {
    const stopping = workers;
    workers = [];
    if (stopping.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), stopGraceMs);
    });
    const closed = Promise.all(stopping.map((worker) => worker.close()));
    if ((await Promise.race([closed, graceOver])) === 'timeout') {
      log.warn({ event: 'jobs_handed_back', jobs: running }, 'stopping with jobs still running; another worker takes them over when their lock ends');
      await Promise.all(stopping.map((worker) => worker.close(true)));
    }
    clearTimeout(timer);
  }

  async function isIdle(): Promise<boolean> {
    for (const queue of queues.values()) {
      const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
      if ((counts.waiting ?? 0) + (counts.active ?? 0) + (counts.prioritized ?? 0) > 0) return false;
      // A delayed job that is due is promoted by a worker's next poll: wait for it too.
      const [next] = await queue.getJobs(['delayed'], 0, 0, true);
      if (next && dueAt(next) <= Date.now()) return false;
    }
    return true;
  }

  return {
    engine: 'bullmq',
    transactional: false,
    enqueue,
    async enqueueWith(write, job) {
      await options.db.transaction().execute(write);
      // The record is committed and is the source of truth: a job that cannot be queued now (Redis
      // away) is queued by the reconciler, so the caller's answer does not wait for Redis.
      try {
        await withTimeout(enqueue(job), ENQUEUE_AFTER_COMMIT_MS, `no answer from Redis within ${ENQUEUE_AFTER_COMMIT_MS} ms`);
      } catch (error) {
        log.warn({ event: 'enqueue_deferred', job_id: job.id, kind: job.kind, err: error }, 'could not queue the job now; the reconciler will');
      }
    },
    async start() {
      if (workers.length > 0) return;
      workers = kinds.map((kind) => startWorker(kind, handlers[kind] as JobHandler));
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    },
    notify() {
      // BullMQ's workers are woken by Redis itself.
    },
    stop: stopWorkers,
    async drain() {
      while (workers.length > 0 && !(await isIdle())) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    async runDueNow() {
      for (const queue of queues.values()) {
        for (const job of await queue.getJobs(['delayed'])) await job.promote().catch(() => {});
      }
    },
    async counts(): Promise<JobCounts> {
      const pending = new Map<string, number>();
      const failed = new Map<string, number>();
      const oldestDueAgeMs = new Map<string, number>();
      const now = Date.now();
      for (const [kind, queue] of queues) {
        const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed');
        pending.set(kind, (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0));
        failed.set(kind, counts.failed ?? 0);
        const [oldest] = await queue.getJobs(['waiting'], 0, 0, true);
        if (oldest) oldestDueAgeMs.set(kind, Math.max(0, now - dueAt(oldest)));
      }
      return { pending, failed, oldestDueAgeMs };
    },
    async purgeFinished(doneBefore, failedBefore) {
      let removed = 0;
      const now = Date.now();
      for (const queue of queues.values()) {
        removed += (await queue.clean(Math.max(0, now - doneBefore), 0, 'completed')).length;
        removed += (await queue.clean(Math.max(0, now - failedBefore), 0, 'failed')).length;
      }
      return removed;
    },
    async close() {
      await stopWorkers();
      await Promise.all([...queues.values()].map((queue) => queue.close()));
    },
  };
}

function queuedJobOf(kind: string, job: Job<JobData>): QueuedJob {
  return {
    id: job.id ?? '',
    kind,
    photo_id: job.data.photoId,
    payload: job.data.payload,
    attempts: job.attemptsMade + 1,
    max_attempts: job.opts.attempts ?? 1,
    created_at: job.data.createdAt,
  };
}

/** When a waiting job became due: queued, or last run and then delayed (a retry or a postponement). */
function dueAt(job: Job): number {
  return (job.processedOn ?? job.timestamp) + (job.delay ?? 0);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

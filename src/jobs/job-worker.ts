import type { FastifyBaseLogger } from 'fastify';
import { outsideAnyTrace, runJobInTrace } from '../telemetry/job-tracing.js';
import { recordErrorOnActiveSpan } from '../telemetry/tracer.js';
import { backoffMs, DEFAULT_HEARTBEAT_TIMEOUT_MS, PermanentJobError, postponementMs, RetryLaterError, type JobHandler } from './job-queue.js';
import type { JobRecord, JobRepository } from './job-repository.js';
import { isDeadLocalWorker, newWorkerId, setWorkerLive } from './worker-identity.js';

export interface JobWorkerOptions {
  /**
   * How many jobs of each kind run at once. Each kind is its own queue: a slow caption model
   * never holds back photo processing. Kinds missing here run one at a time.
   */
  readonly concurrency: Readonly<Record<string, number>>;
  readonly pollIntervalMs?: number;
  /** A running job whose worker has not renewed its lease for this long is taken over by another. */
  readonly heartbeatTimeoutMs?: number;
  /** How long stop() waits for running jobs before handing them back to the queue. */
  readonly stopGraceMs?: number;
  readonly now?: () => number;
  readonly workerId?: string;
}

/**
 * Runs durable jobs from the database, each kind with its own concurrency. Runs in the web process
 * by default, or alone in `src/worker.ts` processes; several workers can share one database.
 *
 * Crash safety: a claimed job carries this worker's id and a lease that a heartbeat renews every
 * third of `heartbeatTimeoutMs`. Any live worker hands back the jobs whose lease ran out (their
 * worker died); at start a worker also hands back at once the jobs of dead processes of its own
 * machine, so a restarted single process waits for nothing. A job whose process died during every
 * one of its attempts (a photo that kills the process) fails for good instead of looping.
 */
export function createJobWorker(repository: JobRepository, handlers: Record<string, JobHandler>, log: FastifyBaseLogger, options: JobWorkerOptions) {
  const now = options.now ?? Date.now;
  const pollIntervalMs = options.pollIntervalMs ?? 500;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
  const stopGraceMs = options.stopGraceMs ?? 8_000;
  const workerId = options.workerId ?? newWorkerId();
  const kinds = Object.keys(handlers);
  const limitOf = (kind: string) => Math.max(1, options.concurrency[kind] ?? 1);
  const runningByKind = new Map<string, number>(kinds.map((kind) => [kind, 0]));
  let running = 0;
  let stopped = true;
  let pollTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();
  const idleWaiters: (() => void)[] = [];

  // Each job runs in its own span, joined to the trace that enqueued it; the retry bookkeeping and
  // its log lines happen inside that span too.
  const execute = (job: JobRecord): Promise<void> => runJobInTrace(job, () => executeInSpan(job));

  async function executeInSpan(job: JobRecord): Promise<void> {
    const handler = handlers[job.kind];
    const fields = { job_id: job.id, kind: job.kind, attempt: job.attempts };
    if (job.attempts > job.max_attempts) {
      // Every earlier attempt ended with its process gone (SIGKILL, out of memory, a native crash).
      const error = new Error(`the worker stopped during each of its ${job.max_attempts} attempts`);
      log.error(fields, `job failed for good: ${error.message}`);
      if (await repository.fail(job.id, workerId, error.message, now())) await handler?.onGiveUp?.(job, error);
      return;
    }
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler.run(job);
      if (!(await repository.complete(job.id, workerId, now()))) log.warn(fields, 'job finished after another worker took it over');
    } catch (error) {
      recordErrorOnActiveSpan(error);
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof RetryLaterError) {
        const delayMs = error.delayMs ?? postponementMs(job, now());
        log.warn({ ...fields, delay_ms: delayMs }, `job postponed: ${message}`);
        await repository.postpone(job.id, workerId, now() + delayMs, message, now());
      } else if (job.attempts < job.max_attempts && !(error instanceof PermanentJobError)) {
        log.warn({ ...fields, err: error }, 'job failed, will retry');
        await repository.retryAt(job.id, workerId, now() + backoffMs(job.attempts), message, now());
      } else {
        log.error({ ...fields, err: error }, 'job failed for good');
        if (await repository.fail(job.id, workerId, message, now())) await handler?.onGiveUp?.(job, error);
      }
    }
  }

  const kindsWithRoom = () => kinds.filter((kind) => (runningByKind.get(kind) ?? 0) < limitOf(kind));

  async function fill(): Promise<void> {
    while (!stopped) {
      const open = kindsWithRoom();
      if (open.length === 0) break;
      const job = await repository.claimNext(open, workerId, now(), heartbeatTimeoutMs);
      if (!job) break;
      running++;
      runningByKind.set(job.kind, (runningByKind.get(job.kind) ?? 0) + 1);
      const task = execute(job)
        .catch((error: unknown) => log.error({ err: error, job_id: job.id }, 'job bookkeeping failed'))
        .finally(() => {
          running--;
          runningByKind.set(job.kind, (runningByKind.get(job.kind) ?? 1) - 1);
          inFlight.delete(task);
          if (running === 0) for (const resolve of idleWaiters.splice(0)) resolve();
          if (!stopped) void poke();
        });
      inFlight.add(task);
    }
  }

  // A wake-up that arrives while a fill is under way is remembered, not dropped: that fill's claim
  // may have read the table before the job behind the wake-up was committed (an enqueue's commit
  // lands between its SELECT and its end), and would stop with the job left for the next poll
  // (500 ms of a core idle in an upload burst). So the fill runs again once it ends.
  let filling: Promise<void> | undefined;
  let wokenWhileFilling = false;
  function poke(): Promise<void> {
    if (filling) {
      wokenWhileFilling = true;
      return filling;
    }
    filling = (async () => {
      do {
        wokenWhileFilling = false;
        await outsideAnyTrace(fill).catch((error: unknown) => log.error({ err: error }, 'job polling failed'));
      } while (wokenWhileFilling && !stopped);
    })().finally(() => {
      filling = undefined;
    });
    return filling;
  }

  function schedulePoll(): void {
    if (stopped) return;
    pollTimer = setTimeout(() => {
      void poke().finally(schedulePoll);
    }, pollIntervalMs);
    pollTimer.unref();
  }

  /** Renews this worker's leases and takes over the jobs of workers that stopped renewing theirs. */
  async function heartbeat(): Promise<void> {
    const at = now();
    await repository.renewLeases(workerId, at + heartbeatTimeoutMs);
    const taken = await repository.requeueExpiredLeases(at);
    if (taken > 0) {
      log.warn({ event: 'jobs_taken_over', jobs: taken }, 'took over the jobs of a worker that stopped answering');
      void poke();
    }
  }

  function scheduleHeartbeat(): void {
    if (stopped) return;
    heartbeatTimer = setTimeout(() => {
      void outsideAnyTrace(heartbeat)
        .catch((error: unknown) => log.error({ err: error }, 'job heartbeat failed'))
        .finally(scheduleHeartbeat);
    }, Math.max(50, Math.floor(heartbeatTimeoutMs / 3)));
    heartbeatTimer.unref();
  }

  /** At start: jobs of processes of this machine that are gone go back to the queue at once. */
  async function reclaimDeadLocalWorkers(): Promise<void> {
    let reclaimed = 0;
    for (const holder of await repository.runningHolders()) {
      if (isDeadLocalWorker(holder, workerId)) reclaimed += await repository.requeueHeldBy(holder, now());
    }
    reclaimed += await repository.requeueExpiredLeases(now());
    if (reclaimed > 0) log.warn({ event: 'jobs_reclaimed', jobs: reclaimed }, 'requeued the jobs of a process that stopped');
  }

  async function waitForRunning(timeoutMs: number): Promise<boolean> {
    if (inFlight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([Promise.all([...inFlight]).then(() => true as const), timedOut]);
    clearTimeout(timer);
    return done;
  }

  return {
    /** This worker's id in `jobs.locked_by`. */
    id: workerId,
    async start(): Promise<void> {
      if (!stopped) return;
      stopped = false;
      setWorkerLive(workerId, true);
      await reclaimDeadLocalWorkers();
      void poke();
      schedulePoll();
      scheduleHeartbeat();
    },
    /** Wakes the worker at once (after an enqueue in this process). */
    notify(): void {
      if (!stopped) void poke();
    },
    /**
     * Stops taking jobs and waits for the running ones; those still running after the grace period
     * go back to the queue at once, for the next worker (or this machine's next start).
     */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      setWorkerLive(workerId, false);
      if (pollTimer) clearTimeout(pollTimer);
      if (heartbeatTimer) clearTimeout(heartbeatTimer);
      await filling;
      if (!(await waitForRunning(stopGraceMs))) {
        const handedBack = await repository.requeueHeldBy(workerId, now()).catch(() => 0);
        log.warn({ event: 'jobs_handed_back', jobs: handedBack }, 'stopping with jobs still running; they go back to the queue');
      }
    },
    /**
     * Resolves when this worker runs nothing and no job of its kinds is due (tests and benchmarks).
     * Jobs held by other workers, live or dead, are not waited for.
     */
    async drain(): Promise<void> {
      for (;;) {
        await poke();
        if (running > 0) {
          await new Promise<void>((resolve) => idleWaiters.push(resolve));
          continue;
        }
        if (stopped || !(await repository.hasDue(kinds, now()))) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    /** Makes every waiting job due now (operators' "retry now"; tests). */
    async runDueNow(): Promise<void> {
      await repository.makeAllDue(now());
      void poke();
    },
    /** Runs the lease renewal and take-over once, now (tests). */
    heartbeat,
    get running() {
      return running;
    },
  };
}

export type JobWorker = ReturnType<typeof createJobWorker>;

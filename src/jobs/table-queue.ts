import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import type { JobHandler, JobQueue, JobSpec } from './job-queue.js';
import { createJobRepository, newJob, type NewJob } from './job-repository.js';
import { createJobWorker, type JobWorkerOptions } from './job-worker.js';

/**
 * The embedded default: jobs are rows of the `jobs` table in the app's own database, run by
 * createJobWorker (leases, heartbeat, dead-worker reclaim; docs/reliability.md). A job is queued
 * in the same transaction as the record it is about, so nothing needs reconciling.
 */
export function createTableJobQueue(db: Db, handlers: Record<string, JobHandler>, log: FastifyBaseLogger, options: JobWorkerOptions): JobQueue {
  const repository = createJobRepository(db);
  const worker = createJobWorker(repository, handlers, log, options);
  const now = options.now ?? Date.now;
  const rowOf = (job: JobSpec): NewJob =>
    newJob({ id: job.id, kind: job.kind, photoId: job.photoId, payload: job.payload, maxAttempts: job.maxAttempts, at: job.at ?? now(), runAt: job.runAt });

  return {
    engine: 'table',
    transactional: true,
    async enqueue(job) {
      const queued = await repository.insertOnce(rowOf(job));
      if (queued) worker.notify();
      return queued;
    },
    async enqueueWith(write, job) {
      await db.transaction().execute(async (trx) => {
        await write(trx);
        await repository.insert(rowOf(job), trx);
      });
      worker.notify();
    },
    start: () => worker.start(),
    notify: () => worker.notify(),
    stop: () => worker.stop(),
    drain: () => worker.drain(),
    runDueNow: () => worker.runDueNow(),
    counts: () => repository.countByKind(now()),
    purgeFinished: (doneBefore, failedBefore) => repository.deleteFinished(doneBefore, failedBefore),
    close: () => worker.stop(),
  };
}

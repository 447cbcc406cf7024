import type { Insertable, Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { JobsTable } from '../db/schema.js';
import type { JobCounts } from './job-queue.js';

export type JobRecord = Selectable<JobsTable>;
export type NewJob = Insertable<JobsTable>;

export interface NewJobOptions {
  readonly id: string;
  readonly kind: string;
  readonly photoId?: string | null;
  readonly payload?: string;
  readonly maxAttempts: number;
  /** When the job is queued (and due, unless runAt says later). */
  readonly at: number;
  readonly runAt?: number;
}

/** A queued job row, ready to insert. */
export function newJob(options: NewJobOptions): NewJob {
  return {
    id: options.id,
    kind: options.kind,
    photo_id: options.photoId ?? null,
    payload: options.payload ?? '{}',
    status: 'queued',
    attempts: 0,
    max_attempts: options.maxAttempts,
    run_at: options.runAt ?? options.at,
    locked_until: 0,
    locked_by: '',
    last_error: '',
    created_at: options.at,
    updated_at: options.at,
  };
}

/**
 * All SQL about background jobs. Claiming is optimistic: one UPDATE guarded by the old status and
 * attempt count, so two workers can never both take a job. Every write a worker makes about a job
 * it runs is guarded by `locked_by`: a worker whose lease was taken over (it looked dead) cannot
 * overwrite what the new holder decides.
 */
export function createJobRepository(db: Db) {
  return {
    async insert(job: NewJob, executor: Pick<Db, 'insertInto'> = db): Promise<void> {
      await executor.insertInto('jobs').values(job).execute();
    },

    /** Inserts unless a job with this id exists (deduplicated jobs: one per photo, one per time slot). */
    async insertOnce(job: NewJob): Promise<boolean> {
      const result = await db.insertInto('jobs').values(job).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },

    /** Takes the next due job of one of `kinds` for `workerId`, or undefined. Safe with many workers. */
    async claimNext(kinds: readonly string[], workerId: string, now: number, leaseMs: number): Promise<JobRecord | undefined> {
      if (kinds.length === 0) return undefined;
      for (let tries = 0; tries < 5; tries++) {
        const candidate = await db
          .selectFrom('jobs')
          .select(['id', 'attempts'])
          .where('status', '=', 'queued')
          .where('kind', 'in', kinds)
          .where('run_at', '<=', now)
          .orderBy('run_at')
          .limit(1)
          .executeTakeFirst();
        if (!candidate) return undefined;
        const claimed = await db
          .updateTable('jobs')
          .set({ status: 'running', attempts: candidate.attempts + 1, locked_until: now + leaseMs, locked_by: workerId, updated_at: now })
          .where('id', '=', candidate.id)
          .where('status', '=', 'queued')
          .where('attempts', '=', candidate.attempts)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 1) {
          return db.selectFrom('jobs').selectAll().where('id', '=', candidate.id).executeTakeFirst();
        }
      }
      return undefined;
    },

    /** Extends the leases of every job `workerId` runs; returns how many it still holds. */
    async renewLeases(workerId: string, lockedUntil: number): Promise<number> {
      const result = await db.updateTable('jobs').set({ locked_until: lockedUntil }).where('status', '=', 'running').where('locked_by', '=', workerId).executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Returns true when the job was still this worker's to finish. */
    async complete(id: string, workerId: string, now: number): Promise<boolean> {
      const result = await heldBy(id, workerId)
        .set({ status: 'done', locked_until: 0, locked_by: '', last_error: '', updated_at: now })
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Back to the queue after a failed attempt (the attempt counts). */
    async retryAt(id: string, workerId: string, runAt: number, error: string, now: number): Promise<boolean> {
      const result = await heldBy(id, workerId)
        .set({ status: 'queued', run_at: runAt, locked_until: 0, locked_by: '', last_error: error, updated_at: now })
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Back to the queue while a dependency is away: the attempt the claim counted is given back. */
    async postpone(id: string, workerId: string, runAt: number, reason: string, now: number): Promise<boolean> {
      const result = await heldBy(id, workerId)
        .set((eb) => ({ status: 'queued', attempts: eb('attempts', '-', 1), run_at: runAt, locked_until: 0, locked_by: '', last_error: reason, updated_at: now }))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async fail(id: string, workerId: string, error: string, now: number): Promise<boolean> {
      const result = await heldBy(id, workerId)
        .set({ status: 'failed', locked_until: 0, locked_by: '', last_error: error, updated_at: now })
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Jobs whose worker stopped renewing its lease go back to the queue. */
    requeueExpiredLeases(now: number): Promise<number> {
      return requeueRunning(now, (query) => query.where('locked_until', '<', now));
    },

    /** The workers that hold running jobs. */
    async runningHolders(): Promise<string[]> {
      const rows = await db.selectFrom('jobs').select('locked_by').distinct().where('status', '=', 'running').execute();
      return rows.map((row) => row.locked_by);
    },

    /** Requeues every running job of `workerId` (a worker known to be dead), lease or not. */
    requeueHeldBy(workerId: string, now: number): Promise<number> {
      return requeueRunning(now, (query) => query.where('locked_by', '=', workerId));
    },

    async makeAllDue(now: number): Promise<void> {
      await db.updateTable('jobs').set({ run_at: now }).where('status', '=', 'queued').where('run_at', '>', now).execute();
    },

    /** Whether a job of one of `kinds` is queued and due. */
    async hasDue(kinds: readonly string[], now: number): Promise<boolean> {
      if (kinds.length === 0) return false;
      const row = await db.selectFrom('jobs').select('id').where('status', '=', 'queued').where('kind', 'in', kinds).where('run_at', '<=', now).limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async countQueued(): Promise<number> {
      const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['queued', 'running']).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Pending and failed jobs per kind and the age of the oldest due one (queue metrics). */
    async countByKind(now: number): Promise<JobCounts> {
      const rows = await db
        .selectFrom('jobs')
        .select((eb) => ['kind', 'status', eb.fn.countAll<number>().as('n'), eb.fn.min('run_at').as('oldest')])
        .where('status', 'in', ['queued', 'running', 'failed'])
        .groupBy(['kind', 'status'])
        .execute();
      const pending = new Map<string, number>();
      const failed = new Map<string, number>();
      const oldestDueAgeMs = new Map<string, number>();
      for (const row of rows) {
        const n = Number(row.n);
        if (row.status === 'failed') {
          failed.set(row.kind, n);
          continue;
        }
        pending.set(row.kind, (pending.get(row.kind) ?? 0) + n);
        if (row.status === 'queued') oldestDueAgeMs.set(row.kind, Math.max(0, now - Number(row.oldest)));
      }
      return { pending, failed, oldestDueAgeMs };
    },

    /** Retention: deletes done jobs finished before `doneBefore` and failed ones before `failedBefore`. */
    async deleteFinished(doneBefore: number, failedBefore: number): Promise<number> {
      const done = await db.deleteFrom('jobs').where('status', '=', 'done').where('updated_at', '<', doneBefore).executeTakeFirst();
      const failed = await db.deleteFrom('jobs').where('status', '=', 'failed').where('updated_at', '<', failedBefore).executeTakeFirst();
      return Number(done.numDeletedRows) + Number(failed.numDeletedRows);
    },
  };

  type JobUpdate = ReturnType<typeof runningJobs>;
  function runningJobs() {
    return db.updateTable('jobs').where('status', '=', 'running');
  }

  async function requeueRunning(now: number, which: (query: JobUpdate) => JobUpdate): Promise<number> {
    const result = await which(runningJobs()).set({ status: 'queued', locked_until: 0, locked_by: '', updated_at: now }).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  function heldBy(id: string, workerId: string) {
    return db.updateTable('jobs').where('id', '=', id).where('status', '=', 'running').where('locked_by', '=', workerId);
  }
}

export type JobRepository = ReturnType<typeof createJobRepository>;

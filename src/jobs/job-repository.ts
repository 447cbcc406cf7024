import type { Db } from '../db/database.js';
import type { JobsTable } from '../db/schema.js';

export type JobRecord = JobsTable;

/** All SQL about background jobs. Claiming is optimistic: one UPDATE guarded by the old status. */
export function createJobRepository(db: Db) {
  return {
    async insert(job: JobRecord, executor: Pick<Db, 'insertInto'> = db): Promise<void> {
      await executor.insertInto('jobs').values(job).execute();
    },

    /** Takes the next due job, or undefined. Safe with several workers and several processes. */
    async claimNext(now: number, leaseMs: number): Promise<JobRecord | undefined> {
      for (let tries = 0; tries < 5; tries++) {
        const candidate = await db
          .selectFrom('jobs')
          .select(['id', 'attempts'])
          .where('status', '=', 'queued')
          .where('run_at', '<=', now)
          .orderBy('run_at')
          .limit(1)
          .executeTakeFirst();
        if (!candidate) return undefined;
        const claimed = await db
          .updateTable('jobs')
          .set({ status: 'running', attempts: candidate.attempts + 1, locked_until: now + leaseMs, updated_at: now })
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

    async complete(id: string, now: number): Promise<void> {
      await db.updateTable('jobs').set({ status: 'done', locked_until: 0, last_error: '', updated_at: now }).where('id', '=', id).execute();
    },

    async retryAt(id: string, runAt: number, error: string, now: number): Promise<void> {
      await db.updateTable('jobs').set({ status: 'queued', run_at: runAt, locked_until: 0, last_error: error, updated_at: now }).where('id', '=', id).execute();
    },

    async fail(id: string, error: string, now: number): Promise<void> {
      await db.updateTable('jobs').set({ status: 'failed', locked_until: 0, last_error: error, updated_at: now }).where('id', '=', id).execute();
    },

    /** Jobs whose worker died (lease expired) go back to the queue. */
    async requeueExpiredLeases(now: number): Promise<number> {
      const result = await db
        .updateTable('jobs')
        .set({ status: 'queued', locked_until: 0, updated_at: now })
        .where('status', '=', 'running')
        .where('locked_until', '<', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async makeAllDue(now: number): Promise<void> {
      await db.updateTable('jobs').set({ run_at: now }).where('status', '=', 'queued').where('run_at', '>', now).execute();
    },

    async hasDue(now: number): Promise<boolean> {
      const row = await db.selectFrom('jobs').select('id').where('status', 'in', ['queued', 'running']).where('run_at', '<=', now).limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async countQueued(): Promise<number> {
      const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['queued', 'running']).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Jobs queued or running, per kind (the queue-depth metric). */
    async countPendingByKind(): Promise<Map<string, number>> {
      const rows = await db
        .selectFrom('jobs')
        .select((eb) => ['kind', eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['queued', 'running'])
        .groupBy('kind')
        .execute();
      return new Map(rows.map((row) => [row.kind, Number(row.n)]));
    },

    async deleteFinishedBefore(before: number): Promise<void> {
      await db.deleteFrom('jobs').where('status', 'in', ['done', 'failed']).where('updated_at', '<', before).execute();
    },
  };
}

export type JobRepository = ReturnType<typeof createJobRepository>;

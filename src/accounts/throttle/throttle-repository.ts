import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

export interface ThrottleState {
  readonly failures: number;
  readonly lockedUntil: number;
}

/** All SQL about login throttling. Each failure is counted with one atomic upsert. */
export function createThrottleRepository(db: Db) {
  return {
    async find(key: string): Promise<ThrottleState | undefined> {
      const row = await db.selectFrom('login_throttle').select(['failures', 'locked_until']).where('key', '=', key).executeTakeFirst();
      return row && { failures: row.failures, lockedUntil: row.locked_until };
    },
    /** Counts one failure, starting over when the previous ones are older than `windowStart`. */
    async recordFailure(key: string, now: number, windowStart: number): Promise<number> {
      const row = await db
        .insertInto('login_throttle')
        .values({ key, failures: 1, first_failure_at: now, locked_until: 0 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures: sql<number>`case when login_throttle.first_failure_at < ${windowStart} then 1 else login_throttle.failures + 1 end`,
            first_failure_at: sql<number>`case when login_throttle.first_failure_at < ${windowStart} then ${now} else login_throttle.first_failure_at end`,
          }),
        )
        .returning('failures')
        .executeTakeFirstOrThrow();
      return Number(row.failures);
    },
    async lockUntil(key: string, lockedUntil: number): Promise<void> {
      await db.updateTable('login_throttle').set({ locked_until: lockedUntil }).where('key', '=', key).execute();
    },
    async clear(key: string): Promise<void> {
      await db.deleteFrom('login_throttle').where('key', '=', key).execute();
    },
    async deleteStale(before: number): Promise<void> {
      await db.deleteFrom('login_throttle').where('first_failure_at', '<', before).where('locked_until', '<', before).execute();
    },
  };
}

export type ThrottleRepository = ReturnType<typeof createThrottleRepository>;

import type { FastifyBaseLogger } from 'fastify';
import type { JobHandler, JobQueue } from './job-queue.js';

export const HOUSEKEEPING_JOB = 'housekeeping';

/** One chore of the periodic housekeeping job; each must be safe to run twice. */
export interface HousekeepingTask {
  readonly name: string;
  run(): Promise<unknown>;
}

/**
 * The periodic chores (expired sessions, stale throttle rows, orphaned files, old jobs) as a job of
 * its own queue: with several processes exactly one runs each round, and a slow round never holds
 * back photo processing. A failing chore does not stop the others; the round is retried.
 */
export function createHousekeepingJob(tasks: readonly HousekeepingTask[], log: FastifyBaseLogger): JobHandler {
  return {
    async run(): Promise<void> {
      const failed: string[] = [];
      for (const task of tasks) {
        try {
          const result = await task.run();
          log.debug({ event: 'housekeeping', task: task.name, result }, 'housekeeping task done');
        } catch (error) {
          failed.push(task.name);
          log.error({ event: 'housekeeping_failed', task: task.name, err: error }, 'housekeeping task failed');
        }
      }
      if (failed.length > 0) throw new Error(`housekeeping failed: ${failed.join(', ')}`);
    },
  };
}

export interface HousekeepingScheduleOptions {
  readonly intervalMs: number;
  readonly now?: () => number;
  readonly log: FastifyBaseLogger;
}

/**
 * Queues one housekeeping round per interval, now and then on a timer. Every process may call this:
 * the job's id is its time slot, so however many processes queue a round, it exists once.
 * Returns the function that stops the timer.
 */
export function scheduleHousekeeping(queue: Pick<JobQueue, 'enqueue'>, options: HousekeepingScheduleOptions): () => void {
  const now = options.now ?? Date.now;
  const queueRound = async () => {
    const at = now();
    const slot = Math.floor(at / options.intervalMs);
    await queue.enqueue({ id: `${HOUSEKEEPING_JOB}-${slot}`, kind: HOUSEKEEPING_JOB, maxAttempts: 3, at });
  };
  const tick = () => void queueRound().catch((error: unknown) => options.log.warn({ err: error }, 'could not queue housekeeping'));
  tick();
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

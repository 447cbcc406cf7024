import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createDatabase, migrateToLatest } from '../../src/db/database.js';
import { PermanentJobError, RetryLaterError, type JobHandler, type JobQueue, type QueuedJob } from '../../src/jobs/job-queue.js';
import { deleteKeys, redisMissing, testKeyPrefix } from '../support/redis.js';
import { describeWith } from '../support/requirements.js';
import { ENGINES, openQueue, type Engine, type OpenedQueue, type QueueOptions, type QueuePlace } from './support/queue-engines.js';

// One contract, both engines of the job queue seam (as Kysely runs every test over every dialect).
const REDIS_MISSING = await redisMissing();

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Jobs of `kind` queued, delayed or running (0 when there are none). */
const pending = async (queue: JobQueue, kind: string) => (await queue.counts()).pending.get(kind) ?? 0;
const failed = async (queue: JobQueue, kind: string) => (await queue.counts()).failed.get(kind) ?? 0;

for (const engine of ENGINES) {
  describeWith(engine === 'bullmq' ? REDIS_MISSING : null, `job queue contract: ${engine}`, () => {
    let place: QueuePlace;
    const opened: OpenedQueue[] = [];

    beforeEach(async () => {
      place = { engine: engine as Engine, dataDir: await mkdtemp(path.join(os.tmpdir(), 'photovault-queue-')), prefix: testKeyPrefix() };
      const db = createDatabase(loadConfig({ DATA_DIR: place.dataDir }).database);
      await migrateToLatest(db);
      await db.destroy();
    });

    afterEach(async () => {
      for (const queue of opened.splice(0)) await queue.close();
      if (engine === 'bullmq') await deleteKeys(place.prefix);
      await rm(place.dataDir, { recursive: true, force: true });
    });

    const open = async (handlers: Record<string, JobHandler>, options?: QueueOptions) => {
      const queue = await openQueue(place, handlers, options);
      opened.push(queue);
      return queue.queue;
    };

    it('runs the jobs of a kind in the order they were queued', async () => {
      const ran: string[] = [];
      const queue = await open({ ordered: { run: async (job) => void ran.push(job.id) } });
      const at = Date.now() - 1_000;
      for (let i = 0; i < 5; i++) await queue.enqueue({ id: `job-${i}`, kind: 'ordered', maxAttempts: 1, at: at + i });
      await queue.start();
      await waitFor(() => ran.length === 5, 10_000, 'five jobs');
      expect(ran).toEqual(['job-0', 'job-1', 'job-2', 'job-3', 'job-4']);
    });

    it('retries a failed job after a backoff, counting the attempt', async () => {
      const attempts: { attempt: number; at: number }[] = [];
      const queue = await open({
        flaky: {
          run: async (job) => {
            attempts.push({ attempt: job.attempts, at: Date.now() });
            if (attempts.length === 1) throw new Error('first try fails');
          },
        },
      });
      await queue.enqueue({ id: 'flaky-1', kind: 'flaky', maxAttempts: 3 });
      await queue.start();
      await waitFor(() => attempts.length === 2, 10_000, 'the retry');
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
      // The first backoff is 2 s with ±25% jitter.
      expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(1_400);
      await waitFor(async () => await pending(queue, 'flaky') === 0, 5_000, 'the job to finish');
    });

    it('gives up after the last attempt, once', async () => {
      const gaveUp: QueuedJob[] = [];
      let runs = 0;
      const queue = await open({
        broken: {
          run: async () => {
            runs++;
            throw new Error('always fails');
          },
          onGiveUp: async (job) => void gaveUp.push(job),
        },
      });
      await queue.enqueue({ id: 'broken-1', kind: 'broken', maxAttempts: 2 });
      await queue.start();
      await waitFor(() => gaveUp.length === 1, 10_000, 'giving up');
      await waitFor(async () => await failed(queue, 'broken') === 1, 5_000, 'the failed count');
      expect(runs).toBe(2);
      expect(gaveUp[0]).toMatchObject({ id: 'broken-1', attempts: 2, max_attempts: 2 });
    });

    it('does not count postponements (RetryLaterError) as attempts', async () => {
      const seen: number[] = [];
      const queue = await open({
        waiting: {
          run: async (job) => {
            seen.push(job.attempts);
            if (seen.length <= 3) throw new RetryLaterError('the scanner is away', 100);
          },
        },
      });
      await queue.enqueue({ id: 'waiting-1', kind: 'waiting', maxAttempts: 1 });
      await queue.start();
      await waitFor(() => seen.length === 4, 10_000, 'four runs');
      // Three postponements of a one-attempt job, and it still ran a fourth time as attempt 1.
      expect(seen).toEqual([1, 1, 1, 1]);
      await waitFor(async () => await pending(queue, 'waiting') === 0, 5_000, 'the job to finish');
      expect(await failed(queue, 'waiting')).toBe(0);
    });

    it('fails a job for good at once on PermanentJobError', async () => {
      let runs = 0;
      const gaveUp: string[] = [];
      const queue = await open({
        hopeless: {
          run: async () => {
            runs++;
            throw new PermanentJobError('the photo is gone');
          },
          onGiveUp: async (job) => void gaveUp.push(job.id),
        },
      });
      await queue.enqueue({ id: 'hopeless-1', kind: 'hopeless', maxAttempts: 5 });
      await queue.start();
      await waitFor(() => gaveUp.length === 1, 10_000, 'giving up');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(runs).toBe(1);
      expect(gaveUp).toEqual(['hopeless-1']);
    });

    it('runs each kind with its own concurrency, a slow kind never holding back another', async () => {
      const active = new Map<string, number>();
      const peak = new Map<string, number>();
      let releaseSlow: () => void = () => {};
      const slowGate = new Promise<void>((resolve) => {
        releaseSlow = resolve;
      });
      const fastDone: string[] = [];
      const track = (kind: string, work: () => Promise<void>): JobHandler => ({
        run: async () => {
          active.set(kind, (active.get(kind) ?? 0) + 1);
          peak.set(kind, Math.max(peak.get(kind) ?? 0, active.get(kind) ?? 0));
          try {
            await work();
          } finally {
            active.set(kind, (active.get(kind) ?? 1) - 1);
          }
        },
      });
      const queue = await open(
        {
          fast: track('fast', async () => {
            await new Promise((resolve) => setTimeout(resolve, 150));
            fastDone.push('x');
          }),
          slow: track('slow', () => slowGate),
        },
        { concurrency: { fast: 2, slow: 1 } },
      );
      for (let i = 0; i < 3; i++) await queue.enqueue({ id: `slow-${i}`, kind: 'slow', maxAttempts: 1 });
      for (let i = 0; i < 6; i++) await queue.enqueue({ id: `fast-${i}`, kind: 'fast', maxAttempts: 1 });
      await queue.start();
      await waitFor(() => fastDone.length === 6, 10_000, 'the fast jobs beside the stuck slow one');
      expect(peak.get('fast')).toBe(2);
      expect(peak.get('slow')).toBe(1);
      releaseSlow();
      await waitFor(async () => await pending(queue, 'slow') === 0, 10_000, 'the slow jobs');
      expect(peak.get('slow')).toBe(1);
    });

    it("deduplicates a photo's job by its id, also when the record and the job are written together", async () => {
      let runs = 0;
      const queue = await open({ process_photo: { run: async () => void runs++ } });
      const job = { id: 'process-photo-1', kind: 'process_photo', maxAttempts: 5 };
      await queue.enqueueWith(async () => {}, job);
      expect(await queue.enqueue(job)).toBe(false);
      expect(await queue.enqueue(job)).toBe(false);
      expect(await pending(queue, 'process_photo')).toBe(1);
      await queue.start();
      await queue.drain();
      await waitFor(async () => await pending(queue, 'process_photo') === 0, 5_000, 'the job');
      // Done and retained: queuing it again (the reconciler) is still a no-op.
      expect(await queue.enqueue(job)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(runs).toBe(1);
    });

    it('reports depth and the age of the oldest due job per kind', async () => {
      const queue = await open({ counted: { run: async () => {} }, other: { run: async () => {} } });
      const at = Date.now() - 5_000;
      await queue.enqueue({ id: 'counted-1', kind: 'counted', maxAttempts: 1, at });
      await queue.enqueue({ id: 'counted-2', kind: 'counted', maxAttempts: 1, at: at + 1 });
      await queue.enqueue({ id: 'later-1', kind: 'other', maxAttempts: 1, runAt: Date.now() + 60_000 });
      const counts = await queue.counts();
      expect(counts.pending.get('counted')).toBe(2);
      expect(counts.pending.get('other')).toBe(1);
      expect(counts.oldestDueAgeMs.get('counted')).toBeGreaterThanOrEqual(4_900);
      expect(counts.oldestDueAgeMs.get('counted')).toBeLessThan(60_000);
      // Not due yet: no age for it.
      expect(counts.oldestDueAgeMs.get('other') ?? 0).toBe(0);
      await queue.start();
      await queue.drain();
      expect(await pending(queue, 'counted')).toBe(0);
      expect(await pending(queue, 'other')).toBe(1);
      await queue.runDueNow();
      await waitFor(async () => await pending(queue, 'other') === 0, 5_000, 'the delayed job made due');
    });

    it('recovers the job of a worker process killed with SIGKILL: another worker runs it again', async () => {
      const producer = await open({ slow: { run: async () => {} } });
      await producer.enqueue({ id: 'slow-1', kind: 'slow', maxAttempts: 3 });
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/support/queue-child.ts'], {
        env: { ...process.env, QUEUE_ENGINE: engine, QUEUE_DATA_DIR: place.dataDir, QUEUE_PREFIX: place.prefix },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await waitFor(() => output.includes('STARTED slow-1 1'), 30_000, `the child to start the job: ${output}`);
      } finally {
        child.kill('SIGKILL');
        await exited;
      }
      const ran: QueuedJob[] = [];
      const survivor = await open({ slow: { run: async (job) => void ran.push(job) } });
      await survivor.start();
      // The table queue reclaims a dead local process's jobs at start; BullMQ once the lock (3 s) runs out.
      await waitFor(() => ran.length === 1, 20_000, 'the job to run again');
      expect(ran[0]).toMatchObject({ id: 'slow-1' });
      await waitFor(async () => await pending(survivor, 'slow') === 0, 5_000, 'the job to finish');
    }, 60_000);
  });
}

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { createHousekeepingJob, HOUSEKEEPING_JOB, scheduleHousekeeping } from '../../src/jobs/housekeeping.js';
import { createJobRepository, newJob, type JobRecord, type JobRepository, type NewJob } from '../../src/jobs/job-repository.js';
import { backoffMs, postponementMs, RetryLaterError, type JobHandler } from '../../src/jobs/job-queue.js';
import { createJobWorker } from '../../src/jobs/job-worker.js';
import { createTableJobQueue } from '../../src/jobs/table-queue.js';
import { isDeadLocalWorker } from '../../src/jobs/worker-identity.js';
import { DIALECTS, openMigratedDatabase } from '../support/databases.js';

const log = pino({ level: 'silent' });

function job(id: string, overrides: Partial<NewJob> = {}): NewJob {
  return { ...newJob({ id, kind: 'test', maxAttempts: 3, at: 0 }), ...overrides };
}

/** The pid of a process that has just exited: nothing runs under it now. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const deferred = () => {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe.each(DIALECTS)('job queue (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;
  let repo: JobRepository;

  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase(dialect));
    repo = createJobRepository(db);
  });
  afterAll(() => close());
  // Each test sees only its own jobs.
  beforeEach(async () => {
    await db.deleteFrom('jobs').execute();
  });
  const row = (id: string) => db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('runs each job exactly once with bounded concurrency', async () => {
    for (let i = 0; i < 12; i++) await repo.insert(job(`once-${i}`));
    const seen: string[] = [];
    let concurrent = 0;
    let peak = 0;
    const worker = createJobWorker(repo, { test: { run: async (j) => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      await new Promise((r) => setTimeout(r, 30));
      seen.push(j.id);
      concurrent--;
    } } }, log, { concurrency: { test: 3 } });
    await worker.start();
    await worker.drain();
    await worker.stop();
    expect(seen.sort()).toEqual(Array.from({ length: 12 }, (_, i) => `once-${i}`).sort());
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(3);
    const rows = await db.selectFrom('jobs').select(['status', 'locked_by']).execute();
    expect(rows.every((r) => r.status === 'done' && r.locked_by === '')).toBe(true);
  });

  it('two workers on one database never run the same job twice', async () => {
    for (let i = 0; i < 20; i++) await repo.insert(job(`pair-${i}`));
    const runs = new Map<string, number>();
    const handler = { test: { run: async (j: JobRecord) => void runs.set(j.id, (runs.get(j.id) ?? 0) + 1) } };
    const a = createJobWorker(repo, handler, log, { concurrency: { test: 2 } });
    const b = createJobWorker(repo, handler, log, { concurrency: { test: 2 } });
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.drain(), b.drain()]);
    await Promise.all([a.stop(), b.stop()]);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(20);
  });

  it('retries failures with backoff, then gives up and calls onGiveUp', async () => {
    await repo.insert(job('flaky', { max_attempts: 2 }));
    let clock = 1_000_000;
    const gaveUp: string[] = [];
    const worker = createJobWorker(repo, { test: { run: async () => { throw new Error('boom'); }, onGiveUp: async (j) => void gaveUp.push(j.id) } }, log, { concurrency: { test: 1 }, now: () => clock });
    await worker.start();
    await worker.drain();
    let flaky = await row('flaky');
    expect(flaky).toMatchObject({ status: 'queued', attempts: 1, last_error: 'boom' });
    expect(Number(flaky.run_at)).toBeGreaterThan(clock);
    clock = Number(flaky.run_at) + 1;
    await worker.drain();
    flaky = await row('flaky');
    expect(flaky).toMatchObject({ status: 'failed', attempts: 2 });
    expect(gaveUp).toEqual(['flaky']);
    await worker.stop();
  });

  it('a 30-minute outage of a dependency never spends an attempt, and the job runs when it is back', async () => {
    await repo.insert(job('outage', { max_attempts: 1 }));
    let clock = 2_000_000;
    let dependencyUp = false;
    let runs = 0;
    const gaveUp: string[] = [];
    const worker = createJobWorker(
      repo,
      { test: { run: async () => { runs++; if (!dependencyUp) throw new RetryLaterError('scanner down', 30_000); }, onGiveUp: async (j) => void gaveUp.push(j.id) } },
      log,
      { concurrency: { test: 1 }, now: () => clock },
    );
    await worker.start();
    const end = clock + 30 * 60_000;
    while (clock < end) {
      await worker.drain();
      const waiting = await row('outage');
      expect(waiting).toMatchObject({ status: 'queued', attempts: 0, run_at: clock + 30_000, last_error: 'scanner down' });
      clock += 30_000;
    }
    expect(runs).toBe(60);
    dependencyUp = true;
    await worker.drain();
    expect(await row('outage')).toMatchObject({ status: 'done', attempts: 1 });
    expect(gaveUp).toEqual([]);
    await worker.stop();
  });

  it('postpones without a delay of its own by a quarter of the job age, 5 s to 15 minutes', () => {
    expect(postponementMs({ created_at: 0 }, 1_000)).toBe(5_000);
    expect(postponementMs({ created_at: 0 }, 4 * 60_000)).toBe(60_000);
    expect(postponementMs({ created_at: 0 }, 24 * 60 * 60_000)).toBe(15 * 60_000);
  });

  it('a restarted process takes back at once the jobs its dead predecessor held, lease or not', async () => {
    const dead = `${os.hostname()}/${deadPid()}/abc123`;
    await repo.insert(job('orphaned', { status: 'running', attempts: 1, locked_by: dead, locked_until: Date.now() + 3_600_000 }));
    const ran: string[] = [];
    const worker = createJobWorker(repo, { test: { run: async (j) => void ran.push(j.id) } }, log, { concurrency: { test: 1 } });
    await worker.start();
    await worker.drain();
    await worker.stop();
    expect(ran).toEqual(['orphaned']);
    expect(await row('orphaned')).toMatchObject({ status: 'done', attempts: 2 });
  });

  it('leaves alone the jobs of a live worker elsewhere until its heartbeat stops, then takes them over', async () => {
    let clock = 5_000_000;
    await repo.insert(job('remote', { status: 'running', attempts: 1, locked_by: 'other-host/42/ffff', locked_until: clock + 30_000 }));
    const ran: string[] = [];
    const worker = createJobWorker(repo, { test: { run: async (j) => void ran.push(j.id) } }, log, { concurrency: { test: 1 }, now: () => clock, heartbeatTimeoutMs: 30_000 });
    await worker.start();
    await worker.drain(); // terminates although a job is running elsewhere
    expect(ran).toEqual([]);
    clock += 29_000;
    await worker.heartbeat();
    await worker.drain();
    expect(ran).toEqual([]);
    clock += 2_000;
    await worker.heartbeat();
    await worker.drain();
    expect(ran).toEqual(['remote']);
    await worker.stop();
  });

  it('a live worker renews its leases, so a long job is never taken from it', async () => {
    let clock = 6_000_000;
    await repo.insert(job('long'));
    const gate = deferred();
    const started = deferred();
    const runs: string[] = [];
    const handler = (name: string): Record<string, JobHandler> => ({ test: { run: async () => { runs.push(name); started.resolve(); await gate.promise; } } });
    const a = createJobWorker(repo, handler('a'), log, { concurrency: { test: 1 }, now: () => clock, heartbeatTimeoutMs: 30_000 });
    const b = createJobWorker(repo, handler('b'), log, { concurrency: { test: 1 }, now: () => clock, heartbeatTimeoutMs: 30_000 });
    await a.start();
    await started.promise;
    await b.start();
    for (let i = 0; i < 10; i++) {
      clock += 20_000; // 200 s in all, far past one lease
      await a.heartbeat();
      await b.heartbeat();
      await b.drain();
    }
    expect(runs).toEqual(['a']);
    gate.resolve();
    await a.drain();
    expect(await row('long')).toMatchObject({ status: 'done', attempts: 1 });
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a worker whose job was taken over cannot overwrite what the new holder decides', async () => {
    let clock = 7_000_000;
    await repo.insert(job('contested'));
    const gate = deferred();
    const started = deferred();
    let second = 0;
    const slow = createJobWorker(repo, { test: { run: async () => { started.resolve(); await gate.promise; } } }, log, { concurrency: { test: 1 }, now: () => clock, heartbeatTimeoutMs: 30_000 });
    await slow.start();
    await started.promise;
    // The slow worker misses its heartbeats (as if frozen); another takes the job over and is mid-run.
    clock += 31_000;
    const gate2 = deferred();
    const other = createJobWorker(repo, { test: { run: async () => { second++; await gate2.promise; } } }, log, { concurrency: { test: 1 }, now: () => clock, heartbeatTimeoutMs: 30_000 });
    await other.start();
    for (let i = 0; i < 50 && second === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(second).toBe(1);
    gate.resolve();
    await slow.drain();
    const contested = await row('contested');
    expect(contested.status).toBe('running');
    expect(contested.locked_by).toBe(other.id);
    gate2.resolve();
    await other.drain();
    expect(await row('contested')).toMatchObject({ status: 'done', attempts: 2 });
    await Promise.all([slow.stop(), other.stop()]);
  });

  it('a job whose process died during every attempt fails for good instead of looping', async () => {
    const dead = `${os.hostname()}/${deadPid()}/poison`;
    await repo.insert(job('poison', { status: 'running', attempts: 3, max_attempts: 3, locked_by: dead, locked_until: Date.now() + 60_000 }));
    let ran = 0;
    const gaveUp: string[] = [];
    const worker = createJobWorker(repo, { test: { run: async () => void ran++, onGiveUp: async (j) => void gaveUp.push(j.id) } }, log, { concurrency: { test: 1 } });
    await worker.start();
    await worker.drain();
    await worker.stop();
    expect(ran).toBe(0);
    expect(gaveUp).toEqual(['poison']);
    expect(await row('poison')).toMatchObject({ status: 'failed', last_error: 'the worker stopped during each of its 3 attempts' });
  });

  it('runs each kind in its own queue: a stalled kind never holds back another', async () => {
    for (let i = 0; i < 3; i++) await repo.insert(job(`caption-${i}`, { kind: 'caption' }));
    for (let i = 0; i < 8; i++) await repo.insert(job(`photo-${i}`, { kind: 'photo' }));
    const stalled = deferred();
    let captionsStarted = 0;
    const photos: string[] = [];
    const worker = createJobWorker(
      repo,
      { caption: { run: async () => { captionsStarted++; await stalled.promise; } }, photo: { run: async (j) => void photos.push(j.id) } },
      log,
      { concurrency: { caption: 1, photo: 2 } },
    );
    await worker.start();
    for (let i = 0; i < 200 && photos.length < 8; i++) await new Promise((r) => setTimeout(r, 10));
    expect(photos).toHaveLength(8);
    expect(captionsStarted).toBe(1);
    stalled.resolve();
    await worker.drain();
    expect(captionsStarted).toBe(3);
    await worker.stop();
  });

  it('a job queued while a claim is under way runs at once, not at the next poll', async () => {
    // The first claim has read the empty table when the job is committed and the worker woken.
    const claiming = deferred();
    const release = deferred();
    let claims = 0;
    const racing: JobRepository = {
      ...repo,
      async claimNext(...args) {
        const found = await repo.claimNext(...args);
        if (++claims === 1) {
          claiming.resolve();
          await release.promise;
        }
        return found;
      },
    };
    const ran = deferred();
    const worker = createJobWorker(racing, { test: { run: async () => ran.resolve() } }, log, { concurrency: { test: 1 }, pollIntervalMs: 60_000 });
    await worker.start();
    await claiming.promise;
    await repo.insert(job('late'));
    worker.notify();
    release.resolve();
    const outcome = await Promise.race([ran.promise.then(() => 'ran'), new Promise((r) => setTimeout(() => r('left for the poll'), 2_000))]);
    await worker.stop();
    expect(outcome).toBe('ran');
  });

  it('stop hands back at once the jobs still running after its grace period', async () => {
    await repo.insert(job('stuck'));
    const started = deferred();
    const worker = createJobWorker(repo, { test: { run: async () => { started.resolve(); await new Promise(() => {}); } } }, log, { concurrency: { test: 1 }, stopGraceMs: 50 });
    await worker.start();
    await started.promise;
    await worker.stop();
    expect(await row('stuck')).toMatchObject({ status: 'queued', locked_by: '' });
  });

  it('deletes finished jobs after their retention and failed ones after theirs', async () => {
    await repo.insert(job('done-old', { status: 'done', updated_at: 100 }));
    await repo.insert(job('done-new', { status: 'done', updated_at: 900 }));
    await repo.insert(job('failed-old', { status: 'failed', updated_at: 10 }));
    await repo.insert(job('failed-kept', { status: 'failed', updated_at: 100 }));
    await repo.insert(job('queued-old', { status: 'queued', updated_at: 1 }));
    expect(await repo.deleteFinished(500, 50)).toBe(2);
    const left = (await db.selectFrom('jobs').select('id').execute()).map((r) => r.id).sort();
    expect(left).toEqual(['done-new', 'failed-kept', 'queued-old']);
    const counts = await repo.countByKind(1_000);
    expect(counts.failed.get('test')).toBe(1);
    expect(counts.pending.get('test')).toBe(1);
  });

  it('queues one housekeeping round per time slot however many processes ask, and runs every chore', async () => {
    const stops = [1, 2, 3].map(() => scheduleHousekeeping(createTableJobQueue(db, {}, log, { concurrency: {} }), { intervalMs: 3_600_000, now: () => 7_200_000, log }));
    for (const stop of stops) stop();
    for (let i = 0; i < 50 && (await db.selectFrom('jobs').select('id').execute()).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const rows = await db.selectFrom('jobs').select(['id', 'kind']).execute();
    expect(rows).toEqual([{ id: 'housekeeping-2', kind: HOUSEKEEPING_JOB }]);
    const done: string[] = [];
    const housekeeping = createHousekeepingJob(
      [
        { name: 'a', run: async () => void done.push('a') },
        { name: 'broken', run: async () => { throw new Error('disk'); } },
        { name: 'c', run: async () => void done.push('c') },
      ],
      log,
    );
    const worker = createJobWorker(repo, { [HOUSEKEEPING_JOB]: housekeeping }, log, { concurrency: {} });
    await worker.start();
    await worker.drain();
    await worker.stop();
    expect(done).toEqual(['a', 'c']);
    expect(await row('housekeeping-2')).toMatchObject({ status: 'queued', attempts: 1, last_error: 'housekeeping failed: broken' });
  });
});

describe('worker identity', () => {
  it('judges dead only the workers of this host whose process is gone', () => {
    const self = `${os.hostname()}/${process.pid}/self`;
    expect(isDeadLocalWorker(`${os.hostname()}/${deadPid()}/x`, self)).toBe(true);
    expect(isDeadLocalWorker(`${os.hostname()}/${process.ppid}/x`, self)).toBe(false);
    // A restarted container's process has the same pid as its dead predecessor (PID 1).
    expect(isDeadLocalWorker(`${os.hostname()}/${process.pid}/previous`, self)).toBe(true);
    expect(isDeadLocalWorker(self, self)).toBe(false);
    expect(isDeadLocalWorker(`elsewhere/${deadPid()}/x`, self)).toBe(false);
    for (const hostile of ['', '/', `${os.hostname()}/`, `${os.hostname()}/-1/x`, `${os.hostname()}/1e3/x`, `${os.hostname()}/abc/x`]) {
      expect(isDeadLocalWorker(hostile, self)).toBe(false);
    }
  });

  it('backs off exponentially with a cap', () => {
    expect(backoffMs(1)).toBeGreaterThanOrEqual(1500);
    expect(backoffMs(1)).toBeLessThanOrEqual(2500);
    expect(backoffMs(4)).toBeGreaterThanOrEqual(12_000);
    expect(backoffMs(50)).toBeLessThanOrEqual(375_000);
  });
});

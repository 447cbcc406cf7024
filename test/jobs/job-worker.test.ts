import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { createJobRepository, type JobRecord } from '../../src/jobs/job-repository.js';
import { backoffMs, createJobWorker, RetryLaterError } from '../../src/jobs/job-worker.js';
import { DIALECTS, openMigratedDatabase } from '../support/databases.js';

const log = pino({ level: 'silent' });

function job(id: string, overrides: Partial<JobRecord> = {}): JobRecord {
  return { id, kind: 'test', photo_id: null, payload: '{}', status: 'queued', attempts: 0, max_attempts: 3, run_at: 0, locked_until: 0, last_error: '', created_at: 0, updated_at: 0, ...overrides };
}

describe.each(DIALECTS)('job queue (%s)', (dialect) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openMigratedDatabase(dialect));
  });
  afterAll(() => close());

  it('runs each job exactly once with bounded concurrency', async () => {
    const repo = createJobRepository(db);
    for (let i = 0; i < 12; i++) await repo.insert(job(`once-${i}`));
    const seen: string[] = [];
    let concurrent = 0;
    let peak = 0;
    const worker = createJobWorker(repo, { test: { run: async (j) => {
      concurrent++;
      peak = Math.max(peak, concurrent);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(j.id);
      concurrent--;
    } } }, log, { concurrency: 3 });
    await worker.start();
    await worker.drain();
    await worker.stop();
    expect(seen.filter((id) => id.startsWith('once-')).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `once-${i}`).sort());
    expect(peak).toBeLessThanOrEqual(3);
    const rows = await db.selectFrom('jobs').select(['status']).where('id', 'like', 'once-%').execute();
    expect(rows.every((r) => r.status === 'done')).toBe(true);
  });

  it('two workers on one database never run the same job twice', async () => {
    const repo = createJobRepository(db);
    for (let i = 0; i < 20; i++) await repo.insert(job(`pair-${i}`));
    const runs = new Map<string, number>();
    const handler = { test: { run: async (j: JobRecord) => void runs.set(j.id, (runs.get(j.id) ?? 0) + 1) } };
    const a = createJobWorker(repo, handler, log, { concurrency: 2 });
    const b = createJobWorker(repo, handler, log, { concurrency: 2 });
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.drain(), b.drain()]);
    await Promise.all([a.stop(), b.stop()]);
    expect([...runs.entries()].filter(([id]) => id.startsWith('pair-')).every(([, n]) => n === 1)).toBe(true);
    expect([...runs.keys()].filter((id) => id.startsWith('pair-'))).toHaveLength(20);
  });

  it('retries failures with backoff, then gives up and calls onGiveUp', async () => {
    const repo = createJobRepository(db);
    await repo.insert(job('flaky', { max_attempts: 2 }));
    let clock = 1_000_000;
    const gaveUp: string[] = [];
    const worker = createJobWorker(repo, { test: { run: async (j) => { if (j.id === 'flaky') throw new Error('boom'); }, onGiveUp: async (j) => void gaveUp.push(j.id) } }, log, { concurrency: 1, now: () => clock });
    await worker.start();
    await worker.drain();
    let row = await db.selectFrom('jobs').selectAll().where('id', '=', 'flaky').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', attempts: 1, last_error: 'boom' });
    expect(row.run_at).toBeGreaterThan(clock);
    clock = row.run_at + 1;
    await worker.drain();
    row = await db.selectFrom('jobs').selectAll().where('id', '=', 'flaky').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', attempts: 2 });
    expect(gaveUp).toEqual(['flaky']);
    await worker.stop();
  });

  it('postpones RetryLaterError without giving up', async () => {
    const repo = createJobRepository(db);
    await repo.insert(job('later', { max_attempts: 1 }));
    const clock = 2_000_000;
    const worker = createJobWorker(repo, { test: { run: async (j) => { if (j.id === 'later') throw new RetryLaterError('scanner down', 30_000); } } }, log, { concurrency: 1, now: () => clock });
    await worker.start();
    await worker.drain();
    const row = await db.selectFrom('jobs').selectAll().where('id', '=', 'later').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'queued', run_at: clock + 30_000 });
    await worker.stop();
  });

  it('takes over jobs whose worker died (expired lease)', async () => {
    const repo = createJobRepository(db);
    await repo.insert(job('orphaned', { status: 'running', attempts: 1, locked_until: 5 }));
    const ran: string[] = [];
    const worker = createJobWorker(repo, { test: { run: async (j) => void ran.push(j.id) } }, log, { concurrency: 1 });
    await worker.start();
    await worker.drain();
    await worker.stop();
    expect(ran).toContain('orphaned');
  });

  it('backs off exponentially with a cap', () => {
    expect(backoffMs(1)).toBeGreaterThanOrEqual(1500);
    expect(backoffMs(1)).toBeLessThanOrEqual(2500);
    expect(backoffMs(4)).toBeGreaterThanOrEqual(12_000);
    expect(backoffMs(50)).toBeLessThanOrEqual(375_000);
  });
});

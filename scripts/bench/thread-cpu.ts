import { readdirSync, readFileSync } from 'node:fs';

/** One thread's counters at a moment: CPU time and time spent runnable but waiting for a CPU. */
interface ThreadCounters {
  readonly name: string;
  readonly cpuMs: number;
  readonly waitMs: number;
}

export type ThreadSnapshot = ReadonlyMap<string, ThreadCounters>;

/** CPU and run-queue wait of a process's threads of one name over a phase. */
export interface ThreadGroupUsage {
  readonly name: string;
  readonly threads: number;
  readonly cpuMs: number;
  /** Runnable but not running: the thread waited for a core (other threads, other processes). */
  readonly waitMs: number;
}

/**
 * Every thread of `pid` now, from /proc/<pid>/task/<tid>/schedstat (time on a CPU and time waiting
 * on a run queue, in ns) and comm (the thread's name: MainThread, libuv-worker, libvips worker,
 * V8Worker, WorkerThread…). Empty where /proc is missing (not Linux) or the process is gone.
 */
export function snapshotThreads(pid: number): ThreadSnapshot {
  const threads = new Map<string, ThreadCounters>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const [runNs = 0, waitNs = 0] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number);
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      threads.set(tid, { name, cpuMs: runNs / 1e6, waitMs: waitNs / 1e6 });
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}

/**
 * What each group of same-named threads used between two snapshots, largest CPU first. A thread
 * started in between counts from zero; one that ended in between is missing (libvips and libuv
 * keep their threads, the model's thread lives on for a minute after its last photo).
 */
export function threadUsageBetween(before: ThreadSnapshot, after: ThreadSnapshot): ThreadGroupUsage[] {
  const groups = new Map<string, { threads: number; cpuMs: number; waitMs: number }>();
  for (const [tid, now] of after) {
    const then = before.get(tid);
    const group = groups.get(now.name) ?? { threads: 0, cpuMs: 0, waitMs: 0 };
    group.threads++;
    group.cpuMs += now.cpuMs - (then?.cpuMs ?? 0);
    group.waitMs += now.waitMs - (then?.waitMs ?? 0);
    groups.set(now.name, group);
  }
  return [...groups]
    .map(([name, g]) => ({ name, threads: g.threads, cpuMs: Math.round(g.cpuMs), waitMs: Math.round(g.waitMs) }))
    .filter((g) => g.cpuMs > 0 || g.waitMs > 0)
    .sort((a, b) => b.cpuMs - a.cpuMs);
}

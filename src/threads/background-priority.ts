import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * The nice value of the threads that do image work in the background: libvips's workers and the
 * moderation model's thread. With the event loop at 0, CFS gives a runnable event loop ~9× the CPU
 * of one of them (weights 1024 and 110) when the two cores are both wanted, so an upload's answer,
 * a page or a thumbnail is not queued behind a photo's decode or the model; when a core is free they
 * use it as before, so an upload burst still keeps both cores busy.
 */
export const BACKGROUND_NICE = 10;

// Linux only: there the nice value belongs to each thread (setpriority(2), "NOTES"), and a thread
// id is a valid `who`. Elsewhere setpriority acts on the whole process, so nothing is done.
const PER_THREAD_NICE = process.platform === 'linux';
const LIBVIPS_WORKER = 'libvips worker';

/** Lowers the calling thread's priority to BACKGROUND_NICE (a worker thread calls this at start). */
export function lowerThisThreadPriority(): void {
  if (!PER_THREAD_NICE) return;
  try {
    // who = 0 is the calling thread on Linux.
    setPriority(0, BACKGROUND_NICE);
  } catch {
    // A sandbox that forbids it: the thread runs at the process's priority, as before.
  }
}

// Every thread id seen so far (the current ones only), libvips's or not: each is read once.
let seen = new Set<string>();

/**
 * Lowers the priority of libvips's worker threads created since the last call. libvips starts and
 * keeps them itself (sharp has no hook for it), so they are found by name in /proc/self/task: a
 * readdir per call, and the name of each new thread read once. Called after each image operation.
 */
export function lowerImageThreadPriority(): void {
  if (!PER_THREAD_NICE) return;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  const current = new Set<string>();
  for (const tid of tids) {
    current.add(tid);
    if (seen.has(tid)) continue;
    try {
      // The kernel's thread name (comm), as libvips set it at creation.
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- a /proc path built from a thread id the kernel listed, never a request value
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === LIBVIPS_WORKER) setPriority(Number(tid), BACKGROUND_NICE);
    } catch {
      // The thread ended meanwhile.
    }
  }
  seen = current;
}

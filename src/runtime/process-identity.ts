import { createHash } from 'node:crypto';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

// Several processes may share one data directory (web instances, `npm run worker`). Files a process
// writes for a while (a received upload, a media file before its rename) carry its tag, so a sweep
// can tell a dead writer's leftovers (removable at once) from a live writer's work in progress.
const HOST = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** This process's tag in file names: `<8 hex of the host name's hash>-<pid>`. */
export const PROCESS_TAG = `${HOST}-${process.pid}`;

const TAG_PATTERN = /^([0-9a-f]{8})-(\d{1,10})$/;

/** Whether the process `pid` of this machine is running (EPERM: it exists, not ours to signal). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether a file tagged `tag` and last written at `mtimeMs` was left by a process of this machine
 * that is gone: its pid no longer runs, or it is this process's pid (after a restart in a container
 * the new process is PID 1 again) and the file predates this process. Tags of other machines, and
 * anything malformed, are never judged gone here: only age removes those.
 */
export function isGoneLocalWriter(tag: string, mtimeMs: number): boolean {
  const match = TAG_PATTERN.exec(tag);
  if (!match || match[1] !== HOST) return false;
  const pid = Number(match[2]);
  if (pid === process.pid) return mtimeMs < performance.timeOrigin;
  return !isProcessAlive(pid);
}

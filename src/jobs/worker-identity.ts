import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { isProcessAlive } from '../runtime/process-identity.js';

/** The workers alive in this process (a process may run several, e.g. in tests). */
const liveInThisProcess = new Set<string>();

/** A worker's id in `jobs.locked_by`: `host/pid/random`, unique per worker instance. */
export function newWorkerId(): string {
  return `${os.hostname()}/${process.pid}/${randomBytes(6).toString('hex')}`;
}

/** Marks a worker of this process alive (true) or stopped (false). */
export function setWorkerLive(workerId: string, live: boolean): void {
  if (live) liveInThisProcess.add(workerId);
  else liveInThisProcess.delete(workerId);
}

/**
 * Whether `workerId` names a worker of a process that is gone from this machine: same host name,
 * and its pid is not running, or is this process's own pid (after a restart in a container it is
 * the same, PID 1, as the dead one's) without being one of this process's live workers. Workers of other hosts are never judged here: only their
 * missed heartbeats tell.
 */
export function isDeadLocalWorker(workerId: string, self: string): boolean {
  if (workerId === self || workerId === '' || liveInThisProcess.has(workerId)) return false;
  const [host, pidText] = workerId.split('/');
  if (host !== os.hostname() || !pidText || !/^\d+$/.test(pidText)) return false;
  const pid = Number(pidText);
  return pid === process.pid || !isProcessAlive(pid);
}

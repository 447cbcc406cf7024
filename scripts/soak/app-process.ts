import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startCommand } from '../lib/start-command.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

const running = new Set<ChildProcess>();
// However the soak ends, the app does not outlive it.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface AppProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly base: string;
  /** The last 4 KB the app wrote to stderr. */
  stderrTail(): string;
  stop(): Promise<void>;
}

/** Starts the built app exactly as `npm start` does (its environment settings and node flags) on loopback. */
export async function startBuiltApp(options: { dataDir: string; logFile: string; env: Record<string, string> }): Promise<AppProcess> {
  const start = startCommand();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // Only what the app needs: nothing inherited (DATABASE_URL, CLAMAV_*, OTEL_*) changes what is measured.
  const inherited = Object.fromEntries(['PATH', 'HOME', 'LANG', 'TZ'].flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));
  const logFd = openSync(options.logFile, 'w');
  const child = spawn(process.execPath, [...start.args], {
    cwd: ROOT,
    env: { ...start.env, ...inherited, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: options.dataDir, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', logFd, 'pipe'],
  });
  closeSync(logFd);
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const app: AppProcess = { child, pid: child.pid ?? 0, base, stderrTail: () => stderr, stop: () => stopChild(child) };
  try {
    await waitReady(base, child);
  } catch (error) {
    await app.stop();
    throw error;
  }
  return app;
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with ${child.exitCode} before it was ready`);
    const status = await fetch(new URL('/readyz', base)).then(
      async (response) => (await response.arrayBuffer(), response.status),
      () => 0,
    );
    if (status === 200) return;
    await sleep(50);
  }
  throw new Error('the app was not ready within 60 s');
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!stopped) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** VmRSS of a process in MB, from /proc/<pid>/status (undefined once it has exited). */
export function readRssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}


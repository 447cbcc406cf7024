import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface BoundedResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the process outlived `timeoutMs` and was killed. */
  readonly timedOut: boolean;
  readonly output: string;
  readonly seconds: number;
  /** Set when the command could not start at all (ENOENT...). */
  readonly startError: string | null;
}

/**
 * Runs a command with no shell, stdout and stderr together into `logFile` and memory, and kills
 * its process group if it outlives `timeoutMs` (a scanner's own time limits are not trusted alone).
 */
export function runBounded(command: string, args: readonly string[], options: { timeoutMs: number; logFile: string; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<BoundedResult> {
  const started = Date.now();
  const log = createWriteStream(options.logFile);
  // The command line goes into the log without the scan user's credentials.
  log.write(`$ ${command} ${args.map((arg) => arg.replace(/^(authorization:\s*\w+\s+).+$/i, '$1[redacted]')).join(' ')}\n`);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let timedOut = false;
    let startError: string | null = null;
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, TERM: 'dumb', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const collect = (chunk: Buffer) => {
      chunks.push(chunk);
      log.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);
    child.on('error', (error) => {
      startError = error.message;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      log.end();
      resolve({ code, signal, timedOut, output: Buffer.concat(chunks).toString('utf8'), seconds: (Date.now() - started) / 1000, startError });
    });
  });
}

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface TracedServer {
  readonly origin: string;
  /** Every line the server wrote to stdout (pino JSON). */
  readonly stdout: string[];
  /** SIGTERM, then waits for the graceful stop (which flushes telemetry); resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * The real server entry in a child process, loaded exactly as `npm start` loads it: the telemetry
 * bootstrap first (`--import`), so that it patches http, pg, pino and openai before the app loads.
 * TypeScript runs through tsx, so no build is needed.
 */
export async function startTracedServer(env: Record<string, string>, timeoutMs = 45_000): Promise<TracedServer> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_') && key !== 'NODE_OPTIONS'));
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', './src/telemetry/register.ts', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    stdout.push(...lines.filter(Boolean));
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const origin = await waitForListening(child, stdout, stderr, timeoutMs);
  return {
    origin,
    stdout,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timer);
      if (buffered) stdout.push(buffered);
      return code;
    },
  };
}

async function waitForListening(child: ChildProcess, stdout: string[], stderr: string[], timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const line of stdout) {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match?.[1]) return match[1];
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not start:\n${stderr.join('')}\n${stdout.slice(-20).join('\n')}`);
}

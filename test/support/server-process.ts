import { spawn, type ChildProcess } from 'node:child_process';
import { TEST_SECRET_KEY } from './app.js';
import { extractCsrf, STRONG_PASSWORD } from './client.js';
import { multipartBody, type Part } from './multipart.js';

/** The real server (`src/server.ts` through tsx) as a child process, as an operator runs it. */
export interface ServerProcess {
  readonly origin: string;
  readonly child: ChildProcess;
  /** Everything the process wrote to stderr (and, for a worker, stdout) so far. */
  stderr(): string;
  /** Resolves when a stderr line matches, or rejects after `timeoutMs` or if the process exits. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

export interface StartServerOptions {
  readonly port: number;
  readonly dataDir: string;
  readonly env?: Record<string, string>;
  readonly readyTimeoutMs?: number;
  /** Run the built `dist/` with `npm start`'s Node flags instead of the sources through tsx (run `npm run build` first). */
  readonly built?: boolean;
  /** With `built`: node flags after `npm start`'s own (the last of a repeated V8 flag wins), as a deployment file adds them. */
  readonly nodeArgs?: readonly string[];
}

// `npm start` / `npm run worker` as package.json spells them, for measurements that must match production.
const START_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=4', '--heap-growing-percent=50', '--import', './dist/telemetry/register.js'];
const START_ENV = { MALLOC_ARENA_MAX: '1', UV_THREADPOOL_SIZE: '8' };

/** Starts the server and waits until /readyz answers 200. */
export async function startServerProcess(options: StartServerOptions): Promise<ServerProcess> {
  const server = spawnApp('src/server.ts', options);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`server exited with ${server.child.exitCode}:\n${server.stderr().slice(-2000)}`);
    const ok = await fetch(`${server.origin}/readyz`).then((r) => r.ok, () => false);
    if (ok) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.kill();
  throw new Error(`server did not become ready:\n${server.stderr().slice(-2000)}`);
}

/** Starts `npm run worker`'s entry (src/worker.ts) on the same data and waits until it runs jobs. */
export async function startWorkerProcess(options: Omit<StartServerOptions, 'port'>): Promise<ServerProcess> {
  // The worker logs 'worker started' (info, on stdout) once its job worker runs.
  const worker = spawnApp('src/worker.ts', { ...options, port: 0, env: { LOG_LEVEL: 'info', ...options.env } }, true);
  await worker.waitForStderr(/"msg":"worker started"/, options.readyTimeoutMs ?? 30_000);
  return worker;
}

function spawnApp(entry: string, options: StartServerOptions, stdoutToStderr = false): ServerProcess {
  const args = options.built ? [...START_FLAGS, ...(options.nodeArgs ?? []), entry.replace(/^src\/(.*)\.ts$/, 'dist/$1.js')] : ['--import', 'tsx', entry];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      ...(options.built ? START_ENV : {}),
      PORT: String(options.port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      LOG_LEVEL: 'warn',
      MODERATION_ENABLED: 'false',
      NODE_ENV: 'test',
      SIGNUP_RATE_LIMIT: '100000',
      OTEL_SDK_DISABLED: 'true',
      // Required in the scale-out shape; every process of a test shares it, as instances must.
      SECRET_KEY: TEST_SECRET_KEY,
      ...options.env,
    },
    stdio: ['ignore', stdoutToStderr ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  const waiters = new Set<() => void>();
  const collect = (data: Buffer) => {
    stderr += data.toString('utf8');
    for (const wake of [...waiters]) wake();
  };
  child.stderr?.on('data', collect);
  child.stdout?.on('data', collect);
  child.once('exit', () => {
    for (const wake of [...waiters]) wake();
  });
  const origin = `http://127.0.0.1:${options.port}`;
  const server: ServerProcess = {
    origin,
    child,
    stderr: () => stderr,
    waitForStderr(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = stderr.split('\n').find((line) => pattern.test(line));
          if (match !== undefined) return done(() => resolve(match));
          if (child.exitCode !== null || child.signalCode !== null) return done(() => reject(new Error(`server exited before ${pattern}:\n${stderr.slice(-2000)}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms:\n${stderr.slice(-2000)}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
  return server;
}

/** A browser-like client of a real server: cookie jar, same-origin Origin header, CSRF tokens. */
export class HttpClient {
  readonly cookies = new Map<string, string>();

  constructor(public origin: string) {}

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if (init.method && init.method !== 'GET' && !headers.has('origin')) headers.set('origin', this.origin);
    const response = await fetch(this.origin + url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  async csrfFrom(url: string): Promise<string> {
    const token = extractCsrf(await (await this.request(url)).text());
    if (!token) throw new Error(`no CSRF token on ${url}`);
    return token;
  }

  async submit(pageUrl: string, fields: Record<string, string>, actionUrl = pageUrl): Promise<Response> {
    const body = new URLSearchParams({ _csrf: await this.csrfFrom(pageUrl), ...fields });
    return this.request(actionUrl, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  }

  async signupAndLogin(username: string, password = STRONG_PASSWORD): Promise<void> {
    const signup = await this.submit('/accounts/signup/', { username, email: `${username}@example.com`, password1: password, password2: password });
    if (signup.status !== 303) throw new Error(`signup failed: ${signup.status}`);
    const login = await this.submit('/accounts/login/', { username, password, next: '' });
    if (login.status !== 303) throw new Error(`login failed: ${login.status}`);
  }

  /** Uploads through the form; resolves with the answer (303 to the photo page when accepted). */
  async upload(file: Buffer, filename = 'photo.jpg'): Promise<Response> {
    const parts: Part[] = [
      { name: '_csrf', value: await this.csrfFrom('/photos/upload/') },
      { name: 'image', value: file, filename, contentType: 'image/jpeg' },
    ];
    const body = multipartBody(parts);
    return this.request('/photos/upload/', { method: 'POST', body: new Uint8Array(body.payload), headers: { 'content-type': body.contentType } });
  }
}

/** The photo id in an accepted upload's Location. */
export function photoIdOf(response: Response): string {
  const id = /^\/photos\/([0-9a-f]{32})\/$/.exec(response.headers.get('location') ?? '')?.[1];
  if (response.status !== 303 || !id) throw new Error(`upload not accepted: ${response.status} ${response.headers.get('location')}`);
  return id;
}

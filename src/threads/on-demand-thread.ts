import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, type ResourceLimits, type Transferable } from 'node:worker_threads';

type Reply<Result> = { readonly id: number; readonly result: Result; readonly error?: undefined } | { readonly id: number; readonly error: string };

interface Running<Result> {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (result: Result) => void; reject: (error: Error) => void }>;
  /** Set while the thread has nothing to do: when it fires, the thread exits. */
  idleTimer: NodeJS.Timeout | undefined;
}

export interface OnDemandThreadOptions {
  /** The thread script's path (see threadScript()). */
  readonly script: string;
  /** V8 heap caps for the thread (its WebAssembly memory and Buffers are outside them). */
  readonly resourceLimits?: ResourceLimits;
}

/**
 * A worker thread started on first use, answering requests by id, and stopped after a quiet spell:
 * for work that is heavy in CPU or memory but comes in bursts with quiet between (the NSFW model,
 * zxcvbn's password checks). On its own thread the work never stalls the event loop; stopped when
 * idle, its V8 heap, its modules and any WebAssembly memory go back to the system, and the next
 * request starts a new thread. A thread that dies fails what it owed; the next request starts
 * another.
 */
export class OnDemandThread<Request, Result> {
  private running: Running<Result> | undefined;
  private nextId = 1;

  constructor(private readonly options: OnDemandThreadOptions) {}

  /** Whether the thread is running now (for tests and diagnostics). */
  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /**
   * Sends one request; once nothing is pending the thread stops after `idleStopMs` (0: never). The
   * thread is shared, so the last answered request's `idleStopMs` applies.
   */
  call(request: Request, idleStopMs: number, transfer: readonly Transferable[] = []): Promise<Result> {
    const current = this.start();
    cancelIdleStop(current);
    const id = this.nextId++;
    const answered = new Promise<Result>((resolve, reject) => {
      current.pending.set(id, { resolve, reject });
      // Keeps the process alive while an answer is owed.
      current.worker.ref();
      try {
        current.worker.postMessage({ id, request }, transfer);
      } catch (error) {
        // A request that cannot be cloned (DataCloneError) is owed nothing: forget it at once.
        current.pending.delete(id);
        if (current.pending.size === 0) current.worker.unref();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    const afterwards = () => this.stopWhenIdle(current, idleStopMs);
    // then(a, a) rather than finally(a): the promise finally() returns would reject again, unhandled.
    answered.then(afterwards, afterwards);
    return answered;
  }

  /** Stops the thread now; what it still owed fails. */
  async stop(): Promise<void> {
    const current = this.running;
    if (!current) return;
    this.running = undefined;
    await current.worker.terminate();
  }

  private start(): Running<Result> {
    if (this.running) return this.running;
    const { script, resourceLimits } = this.options;
    const fromSources = script.endsWith('.ts');
    // Not the parent's execArgv: a --import of the telemetry bootstrap (or --cpu-prof) is for the main thread.
    const worker = new Worker(fromSources ? tsxLoader(script) : script, {
      execArgv: [],
      eval: fromSources,
      ...(resourceLimits ? { resourceLimits } : {}),
    });
    // An idle thread never keeps the process alive.
    worker.unref();
    const current: Running<Result> = { worker, pending: new Map(), idleTimer: undefined };
    const failAll = (error: Error) => {
      cancelIdleStop(current);
      if (this.running === current) this.running = undefined;
      for (const { reject } of current.pending.values()) reject(error);
      current.pending.clear();
    };
    worker.on('message', (reply: Reply<Result>) => {
      const waiter = current.pending.get(reply.id);
      if (!waiter) return;
      current.pending.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.result);
      if (current.pending.size === 0) worker.unref();
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the thread exited with code ${code}`)));
    this.running = current;
    return current;
  }

  private stopWhenIdle(current: Running<Result>, idleStopMs: number): void {
    if (this.running !== current) return;
    cancelIdleStop(current);
    if (idleStopMs <= 0 || current.pending.size > 0) return;
    current.idleTimer = setTimeout(() => {
      current.idleTimer = undefined;
      if (this.running !== current || current.pending.size > 0) return;
      // Forgotten first, so a request from here on starts a fresh thread.
      this.running = undefined;
      void current.worker.terminate();
    }, idleStopMs);
    current.idleTimer.unref();
  }
}

function cancelIdleStop(current: { idleTimer: NodeJS.Timeout | undefined }): void {
  clearTimeout(current.idleTimer);
  current.idleTimer = undefined;
}

/**
 * The thread script beside a module: `<name>.js` in dist/, `<name>.ts` when running from the
 * TypeScript sources (tests, tsx), which the thread then loads through tsx (see tsxLoader).
 */
export function threadScript(moduleUrl: string, name: string): string {
  const self = fileURLToPath(moduleUrl);
  return path.join(path.dirname(self), `${name}${path.extname(self) === '.ts' ? '.ts' : '.js'}`);
}

/**
 * The thread's code for a TypeScript script: worker threads on Node 20 get no ESM loader hooks, so
 * the script loads through tsx's require hook. Only tests and tsx runs take this path; built code
 * runs dist/'s .js directly.
 */
function tsxLoader(script: string): string {
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
  return `require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`;
}

/**
 * In a thread script: answers each request with `handle`'s result (or what its promise resolves
 * to), or with its error's message. A handler that throws before returning its promise, or a result that cannot be sent back, is an
 * error answer too: either would otherwise escape as an uncaught error and end the thread.
 */
export function answerThreadRequests<Request, Result>(handle: (request: Request) => Result | Promise<Result>): void {
  const port = parentPort;
  if (!port) return;
  const answerError = (id: number, error: unknown) => port.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  port.on('message', ({ id, request }: { id: number; request: Request }) => {
    new Promise<Result>((resolve) => resolve(handle(request))).then(
      (result) => {
        try {
          port.postMessage({ id, result });
        } catch (error) {
          answerError(id, error);
        }
      },
      (error: unknown) => answerError(id, error),
    );
  });
}

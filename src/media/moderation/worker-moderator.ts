import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ClassifyRequest } from './moderation-worker.js';
import type { ImageModerator, ModerationResult } from './moderator.js';
import type { NsfwModeratorOptions } from './nsfw-moderator.js';

type Reply = { readonly id: number; readonly result: ModerationResult; readonly error?: undefined } | { readonly id: number; readonly error: string };

interface ModelThread {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (result: ModerationResult) => void; reject: (error: Error) => void }>;
  /** Set while the thread has nothing to do: when it fires, the thread exits. */
  idleTimer: NodeJS.Timeout | undefined;
}

let thread: ModelThread | undefined;
let nextId = 1;

// In production this module and the worker are the compiled .js in dist/; run from the TypeScript
// sources (tests), the worker starts through a small CommonJS file that loads it with tsx.
const SELF = fileURLToPath(import.meta.url);
const WORKER_FILE = path.join(path.dirname(SELF), SELF.endsWith('.ts') ? 'moderation-worker.source.cjs' : 'moderation-worker.js');

/** The process-wide model thread, started on first use and again after it died or was stopped. */
function modelThread(): ModelThread {
  if (thread) return thread;
  // Not the parent's execArgv: a --import of the telemetry bootstrap (or --cpu-prof) is for the main thread.
  // The model's weights and activations live in WebAssembly memory, outside these limits; the
  // thread's JavaScript (tfjs and the messages) needs little, and a cap keeps its heap from growing
  // as freely as a 4 GB default allows (a smaller heap is collected sooner).
  const worker = new Worker(WORKER_FILE, { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 } });
  // An idle model thread never keeps the process alive.
  worker.unref();
  const current: ModelThread = { worker, pending: new Map(), idleTimer: undefined };
  const failAll = (error: Error) => {
    clearTimeout(current.idleTimer);
    if (thread === current) thread = undefined;
    for (const { reject } of current.pending.values()) reject(error);
    current.pending.clear();
  };
  worker.on('message', (reply: Reply) => {
    const waiter = current.pending.get(reply.id);
    if (!waiter) return;
    current.pending.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(reply.error));
    else waiter.resolve(reply.result);
    if (current.pending.size === 0) worker.unref();
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the moderation thread exited with code ${code}`)));
  thread = current;
  return current;
}

/**
 * Once nothing is pending, the thread exits after `idleStopMs`: its V8 heap and the model's
 * WebAssembly memory (~110 MB together, measured in npm run bench) go back to the system, and the
 * next classification starts a new thread (~1-2 s to load the model, spent in the background job,
 * never in a request). A classification arriving first cancels the stop.
 */
function stopWhenIdle(current: ModelThread, idleStopMs: number): void {
  cancelIdleStop(current);
  if (idleStopMs <= 0 || current.pending.size > 0) return;
  current.idleTimer = setTimeout(() => {
    current.idleTimer = undefined;
    if (thread !== current || current.pending.size > 0) return;
    // Forgotten first, so a classification from here on starts a fresh thread.
    thread = undefined;
    void current.worker.terminate();
  }, idleStopMs);
  current.idleTimer.unref();
}

function cancelIdleStop(current: ModelThread): void {
  clearTimeout(current.idleTimer);
  current.idleTimer = undefined;
}

/** Whether the model's thread is running now (for tests and diagnostics). */
export function moderationThreadRunning(): boolean {
  return thread !== undefined;
}

export interface ModelThreadOptions {
  /**
   * Stop the thread after this long without work (default 60 s; 0 keeps it for the process's life).
   * The thread is shared: the setting of the moderator whose classification finished last applies.
   */
  readonly idleStopMs?: number;
}

/**
 * The NSFW model on a thread of its own: one classification is ~60-80 ms of WebAssembly that, on
 * the main thread, would stall every request behind it (uploads' answers above all). One thread
 * per process serves every WorkerThreadModerator, like the model that NsfwModerator loads once
 * per process; the CPU it uses is the same, only no longer on the event loop.
 */
export class WorkerThreadModerator implements ImageModerator {
  private readonly idleStopMs: number;

  constructor(
    private readonly options: NsfwModeratorOptions = {},
    threadOptions: ModelThreadOptions = {},
  ) {
    const threshold = options.threshold ?? 0.7;
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
    this.idleStopMs = threadOptions.idleStopMs ?? 60_000;
    if (!(Number.isFinite(this.idleStopMs) && this.idleStopMs >= 0)) throw new RangeError('idleStopMs must be a finite number ≥ 0');
  }

  classify(image: Buffer): Promise<ModerationResult> {
    const current = modelThread();
    const { worker, pending } = current;
    cancelIdleStop(current);
    const id = nextId++;
    const settled = new Promise<ModerationResult>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      // Keeps the process alive while an answer is owed.
      worker.ref();
      // A copy of its own (a Buffer may share a pooled ArrayBuffer), handed over without another.
      const copy = new Uint8Array(image);
      const request: ClassifyRequest = { id, image: copy, options: this.options };
      worker.postMessage(request, [copy.buffer]);
    });
    const idleStopMs = this.idleStopMs;
    const afterwards = () => {
      if (thread === current) stopWhenIdle(current, idleStopMs);
    };
    // then(a, a) rather than finally(a): the promise finally() returns would reject again, unhandled.
    settled.then(afterwards, afterwards);
    return settled;
  }
}

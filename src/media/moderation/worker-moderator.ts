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
}

let thread: ModelThread | undefined;
let nextId = 1;

// In production this module and the worker are the compiled .js in dist/; run from the TypeScript
// sources (tests), the worker starts through a small CommonJS file that loads it with tsx.
const SELF = fileURLToPath(import.meta.url);
const WORKER_FILE = path.join(path.dirname(SELF), SELF.endsWith('.ts') ? 'moderation-worker.source.cjs' : 'moderation-worker.js');

/** The process-wide model thread, started on first use and again after it died. */
function modelThread(): ModelThread {
  if (thread) return thread;
  // Not the parent's execArgv: a --import of the telemetry bootstrap (or --cpu-prof) is for the main thread.
  // The model's weights and activations live in WebAssembly memory, outside these limits; the
  // thread's JavaScript (tfjs and the messages) needs little, and a cap keeps its heap from growing
  // as freely as a 4 GB default allows (a smaller heap is collected sooner).
  const worker = new Worker(WORKER_FILE, { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 } });
  // An idle model thread never keeps the process alive.
  worker.unref();
  const current: ModelThread = { worker, pending: new Map() };
  const failAll = (error: Error) => {
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
 * The NSFW model on a thread of its own: one classification is ~60-80 ms of WebAssembly that, on
 * the main thread, would stall every request behind it (uploads' answers above all). One thread
 * per process serves every WorkerThreadModerator, like the model that NsfwModerator loads once
 * per process; the CPU it uses is the same, only no longer on the event loop.
 */
export class WorkerThreadModerator implements ImageModerator {
  constructor(private readonly options: NsfwModeratorOptions = {}) {
    const threshold = options.threshold ?? 0.7;
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError('threshold must be in (0, 1]');
  }

  classify(image: Buffer): Promise<ModerationResult> {
    const { worker, pending } = modelThread();
    const id = nextId++;
    return new Promise<ModerationResult>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      // Keeps the process alive while an answer is owed.
      worker.ref();
      // A copy of its own (a Buffer may share a pooled ArrayBuffer), handed over without another.
      const copy = new Uint8Array(image);
      const request: ClassifyRequest = { id, image: copy, options: this.options };
      worker.postMessage(request, [copy.buffer]);
    });
  }
}

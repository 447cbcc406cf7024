import { OnDemandThread, threadScript } from '../../threads/on-demand-thread.js';
import type { ClassifyRequest } from './moderation-worker.js';
import type { ImageModerator, ModerationResult } from './moderator.js';
import type { NsfwModeratorOptions } from './nsfw-moderator.js';

// One thread per process serves every WorkerThreadModerator, like the model that NsfwModerator
// loads once per process. The model's weights and activations live in WebAssembly memory, outside
// the heap caps; the thread's JavaScript (tfjs and the messages) needs little, and a cap keeps its
// heap from growing as freely as a 4 GB default allows (a smaller heap is collected sooner).
const modelThread = new OnDemandThread<ClassifyRequest, ModerationResult[]>({
  script: threadScript(import.meta.url, 'moderation-worker'),
  resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
});

/** Whether the model's thread is running now (for tests and diagnostics). */
export function moderationThreadRunning(): boolean {
  return modelThread.isRunning;
}

export interface ModelThreadOptions {
  /**
   * Stop the thread after this long without work (default 60 s; 0 keeps it for the process's life):
   * its V8 heap and the model's WebAssembly memory (~110 MB together, measured in npm run bench) go
   * back to the system, and the next classification starts a new thread (~1-2 s to load the model,
   * spent in the background job, never in a request). The thread is shared: the setting of the
   * moderator whose classification finished last applies.
   */
  readonly idleStopMs?: number;
}

/**
 * The NSFW model on a thread of its own: one classification is ~35-45 ms of WebAssembly that, on
 * the main thread, would stall every request behind it (uploads' answers above all). The CPU it
 * uses is the same, only no longer on the event loop.
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

  async classify(image: Buffer): Promise<ModerationResult> {
    const [result] = await this.classifyAll([image]);
    if (!result) throw new Error('the model thread returned no result');
    return result;
  }

  /** One message to the thread, whose images go through the model in one batch (model-batch.ts). */
  classifyAll(images: readonly Buffer[]): Promise<ModerationResult[]> {
    // Copies of their own (a Buffer may share a pooled ArrayBuffer), handed over without another.
    const copies = images.map((image) => new Uint8Array(image));
    return modelThread.call({ images: copies, options: this.options }, this.idleStopMs, copies.map((copy) => copy.buffer));
  }
}

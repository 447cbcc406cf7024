import { availableParallelism } from 'node:os';
import { lowerImageThreadPriority } from '../../threads/background-priority.js';

// libuv's thread pool size (4 unless UV_THREADPOOL_SIZE says otherwise).
const POOL_THREADS = Number(process.env['UV_THREADPOOL_SIZE']) || 4;

/**
 * How many libvips operations run at once: one per core but one, and always at least one pool
 * thread left. sharp runs every operation on libuv's thread pool, which file I/O, argon2 and DNS
 * share; left uncapped, the encodes of a few uploads occupy every pool thread for hundreds of
 * milliseconds and an upload request waiting to write, fsync or stat its file queues behind them.
 * The core left over is for the event loop and the moderation model's thread: on 2 cores, one slot
 * instead of two cost ~8% of photos processed per second and cut the slowest upload answer under
 * that load from ~190 ms to ~120 ms.
 */
export const IMAGE_WORK_SLOTS = Math.max(1, Math.min(availableParallelism() - 1, POOL_THREADS - 1));

let running = 0;
const waiting: (() => void)[] = [];

/** Runs one libvips operation (a `toBuffer()`) when a slot is free; first come, first served. */
export async function imageWork<T>(operation: () => Promise<T>): Promise<T> {
  if (running < IMAGE_WORK_SLOTS) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  try {
    return await operation();
  } finally {
    // libvips starts its worker threads on demand: each new one is set below the event loop.
    lowerImageThreadPriority();
    // The slot passes straight to the next waiter, or is released.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

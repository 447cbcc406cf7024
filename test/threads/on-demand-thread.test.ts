import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { OnDemandThread, threadScript } from '../../src/threads/on-demand-thread.js';
import type { EchoRequest } from './echo-thread.js';

const SCRIPT = path.join(import.meta.dirname, 'echo-thread.ts');
const threads: OnDemandThread<EchoRequest, { echo: string; threadId: number }>[] = [];

function newThread() {
  const thread = new OnDemandThread<EchoRequest, { echo: string; threadId: number }>({ script: SCRIPT });
  threads.push(thread);
  return thread;
}

async function waitUntilStopped(thread: { isRunning: boolean }, limitMs = 5_000): Promise<boolean> {
  const until = Date.now() + limitMs;
  while (thread.isRunning && Date.now() < until) await sleep(10);
  return !thread.isRunning;
}

afterEach(async () => {
  await Promise.all(threads.splice(0).map((thread) => thread.stop()));
});

describe('OnDemandThread', () => {
  it('starts on the first request and matches answers to requests, whatever order they come back in', async () => {
    const thread = newThread();
    expect(thread.isRunning).toBe(false);
    const slow = thread.call({ kind: 'echo', value: 'slow', delayMs: 150 }, 0);
    const fast = thread.call({ kind: 'echo', value: 'fast' }, 0);
    expect(thread.isRunning).toBe(true);
    const [a, b] = await Promise.all([slow, fast]);
    expect([a.echo, b.echo]).toEqual(['slow', 'fast']);
    expect(a.threadId).toBe(b.threadId);
  });

  it("rejects with the thread's error message and keeps serving", async () => {
    const thread = newThread();
    await expect(thread.call({ kind: 'fail', value: '<script>' }, 0)).rejects.toThrow('refused: <script>');
    expect((await thread.call({ kind: 'echo', value: 'after' }, 0)).echo).toBe('after');
  });

  it('answers a handler that throws at once, or a result that cannot be sent back, as errors, on the same thread', async () => {
    const thread = newThread();
    const before = await thread.call({ kind: 'echo', value: 'before' }, 0);
    await expect(thread.call({ kind: 'throw', value: 'boom' }, 0)).rejects.toThrow('thrown at once: boom');
    await expect(thread.call({ kind: 'uncloneable', value: 'x' }, 0)).rejects.toThrow(/could not be cloned/);
    const after = await thread.call({ kind: 'echo', value: 'after' }, 0);
    // The thread survived both: the same one answers.
    expect(after.threadId).toBe(before.threadId);
    // A handler's plain (not promised) value is an answer like any other.
    expect(await thread.call({ kind: 'plain', value: 'x' }, 0)).toEqual({ echo: 'plain x', threadId: before.threadId });
  });

  it('fails what a dying thread owed, and the next request starts a new thread', async () => {
    const thread = newThread();
    const first = await thread.call({ kind: 'echo', value: 'one' }, 0);
    const owed = thread.call({ kind: 'echo', value: 'late', delayMs: 500 }, 0);
    await expect(thread.call({ kind: 'exit', value: '' }, 0)).rejects.toThrow(/exited with code 3/);
    await expect(owed).rejects.toThrow(/exited with code 3/);
    const next = await thread.call({ kind: 'echo', value: 'two' }, 0);
    expect(next.echo).toBe('two');
    expect(next.threadId).not.toBe(first.threadId);
  });

  it('stops once idle for idleStopMs; work within that time postpones the stop', async () => {
    const thread = newThread();
    const first = await thread.call({ kind: 'echo', value: 'a' }, 300);
    for (let i = 0; i < 3; i++) {
      await sleep(150);
      expect(thread.isRunning).toBe(true);
      await thread.call({ kind: 'echo', value: 'b' }, 300);
    }
    expect(await waitUntilStopped(thread)).toBe(true);
    const again = await thread.call({ kind: 'echo', value: 'c' }, 300);
    expect(again.threadId).not.toBe(first.threadId);
  });

  it('never stops while a request is pending, and never with idleStopMs 0', async () => {
    const thread = newThread();
    const long = thread.call({ kind: 'echo', value: 'long', delayMs: 400 }, 50);
    await thread.call({ kind: 'echo', value: 'short' }, 50);
    await sleep(150);
    expect(thread.isRunning).toBe(true);
    await long;
    expect(await waitUntilStopped(thread)).toBe(true);

    await thread.call({ kind: 'echo', value: 'kept' }, 0);
    await sleep(200);
    expect(thread.isRunning).toBe(true);
  });

  it('refuses a request that cannot be sent, owing nothing, so the thread still stops when idle', async () => {
    const thread = newThread();
    const hostile = { kind: 'echo', value: 'x', smuggled: () => 'functions do not cross threads' } as unknown as EchoRequest;
    await expect(thread.call(hostile, 100)).rejects.toThrow(/could not be cloned/);
    expect((await thread.call({ kind: 'echo', value: 'ok' }, 100)).echo).toBe('ok');
    expect(await waitUntilStopped(thread)).toBe(true);
  });

  it('names the built script beside compiled code and the TypeScript script beside sources', () => {
    expect(threadScript('file:///app/dist/media/x.js', 'model-thread')).toBe(path.join('/app/dist/media', 'model-thread.js'));
    expect(threadScript('file:///app/src/media/x.ts', 'model-thread')).toBe(path.join('/app/src/media', 'model-thread.ts'));
  });
});

// Test fixture for OnDemandThread: echoes, fails, waits or exits on request.
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { answerThreadRequests } from '../../src/threads/on-demand-thread.js';

export interface EchoRequest {
  readonly kind: 'echo' | 'fail' | 'exit' | 'throw' | 'uncloneable' | 'plain';
  readonly value: string;
  readonly delayMs?: number;
}

// Not an async function: 'throw' throws before any promise exists, as a careless handler might.
answerThreadRequests<EchoRequest, { echo: string; threadId: number }>((request) => {
  if (request.kind === 'throw') throw new Error(`thrown at once: ${request.value}`);
  // A handler may answer with a plain value instead of a promise.
  if (request.kind === 'plain') return { echo: `plain ${request.value}`, threadId };
  if (request.kind === 'uncloneable') return Promise.resolve({ echo: request.value, threadId, smuggled: () => 'no' });
  return (async () => {
    if (request.delayMs) await sleep(request.delayMs);
    if (request.kind === 'exit') process.exit(3);
    if (request.kind === 'fail') throw new Error(`refused: ${request.value}`);
    return { echo: request.value, threadId };
  })();
});

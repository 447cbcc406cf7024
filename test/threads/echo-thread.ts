// Test fixture for OnDemandThread: echoes, fails, waits or exits on request.
import { setTimeout as sleep } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import { answerThreadRequests } from '../../src/threads/on-demand-thread.js';

export interface EchoRequest {
  readonly kind: 'echo' | 'fail' | 'exit';
  readonly value: string;
  readonly delayMs?: number;
}

answerThreadRequests<EchoRequest, { echo: string; threadId: number }>(async (request) => {
  if (request.delayMs) await sleep(request.delayMs);
  if (request.kind === 'exit') process.exit(3);
  if (request.kind === 'fail') throw new Error(`refused: ${request.value}`);
  return { echo: request.value, threadId };
});

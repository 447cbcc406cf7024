import { openQueue, type Engine } from './queue-engines.js';

// A worker process for the contract's SIGKILL case: runs `slow` jobs that never end, printing
// STARTED <job id> <attempt>, until the test kills it.
const place = { engine: process.env.QUEUE_ENGINE as Engine, dataDir: process.env.QUEUE_DATA_DIR ?? '', prefix: process.env.QUEUE_PREFIX ?? '' };
const opened = await openQueue(place, {
  slow: {
    run: async (job) => {
      process.stdout.write(`STARTED ${job.id} ${job.attempts}\n`);
      await new Promise(() => {});
    },
  },
});
await opened.queue.start();
setInterval(() => {}, 1 << 30);

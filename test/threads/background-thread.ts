// Test fixture: a worker thread that lowers its own priority at start, then answers with its thread id.
import { readlinkSync } from 'node:fs';
import { answerThreadRequests } from '../../src/threads/on-demand-thread.js';
import { lowerThisThreadPriority } from '../../src/threads/background-priority.js';

lowerThisThreadPriority();

// /proc/thread-self links to "<pid>/task/<tid>".
answerThreadRequests<null, number>(() => Number(readlinkSync('/proc/thread-self').split('/').at(-1)));

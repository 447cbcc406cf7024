import { OnDemandThread, threadScript } from '../../threads/on-demand-thread.js';
import type { PasswordUserAttributes } from './policy.js';
import type { StrengthRequest } from './strength-worker.js';

/**
 * The thread stops after this long without a check. Passwords are set only at signup, a few times
 * in a server's life, and the thread holds ~56 MB (measured) while it runs; a burst of checks (a
 * flood of signups included) keeps it running, and a cold check costs its signup ~0.5 s.
 */
export const STRENGTH_THREAD_IDLE_STOP_MS = 10_000;

/**
 * zxcvbn on a thread of its own, started on the first check and stopped when idle. On the event
 * loop one check stalled every other request for up to ~0.4 s (a 40-character l33t password,
 * measured warm), so a handful of signups per second from addresses enough to pass the per-address
 * limit could freeze the site; here they only queue for this thread. Its dictionaries (236,000
 * ranked words, ~30 MB, which were the largest thing in the app's heap and made every full garbage
 * collection of it slower) live only while the thread does: a photo server rarely sets passwords.
 * A cold check (thread start, dictionaries loaded and ranked) takes ~0.5 s, a warm one 20-500 ms.
 */
const strengthThread = new OnDemandThread<StrengthRequest, string | null>({
  script: threadScript(import.meta.url, 'strength-worker'),
  // The dictionaries take ~30 MB of heap; a cap keeps a runaway from taking the process down.
  resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 8 },
});

/** zxcvbn's verdict: null for a strong password, else the message with its feedback. */
export function checkPasswordStrength(password: string, user: PasswordUserAttributes): Promise<string | null> {
  return strengthThread.call({ password, user: { username: user.username, email: user.email } }, STRENGTH_THREAD_IDLE_STOP_MS);
}

/** Whether the thread is running now (for tests and diagnostics). */
export function strengthThreadRunning(): boolean {
  return strengthThread.isRunning;
}

/** Stops the thread now (tests). */
export function stopStrengthThread(): Promise<void> {
  return strengthThread.stop();
}

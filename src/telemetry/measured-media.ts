import { performance } from 'node:perf_hooks';
import type { ImageModerator } from '../media/moderation/moderator.js';
import type { MalwareScanner } from '../media/scanner/scanner.js';
import { recordModerationDuration, recordScanDuration } from './metrics.js';
import { errorTypeOf } from './tracer.js';

/** The scanner, recording each scan's latency in `photovault.scan.duration` (outcome clean/infected/error type). */
export function withScanMetrics(scanner: MalwareScanner): MalwareScanner {
  return {
    name: scanner.name,
    ping: () => scanner.ping(),
    async scanFile(path) {
      const started = performance.now();
      let outcome = 'error';
      try {
        const result = await scanner.scanFile(path);
        outcome = result.clean ? 'clean' : 'infected';
        return result;
      } catch (error) {
        outcome = errorTypeOf(error);
        throw error;
      } finally {
        recordScanDuration(scanner.name, outcome, (performance.now() - started) / 1000);
      }
    },
  };
}

/** The moderator, recording each classification's latency in `photovault.moderation.duration` (outcome pass/flagged/error type). */
export function withModerationMetrics(moderator: ImageModerator): ImageModerator {
  return {
    classify: (image) => measureModeration(() => moderator.classify(image), (result) => result.flagged),
    // One duration for the batch (an animation's frames), flagged when any image is.
    classifyAll: (images) => measureModeration(() => moderator.classifyAll(images), (results) => results.some((result) => result.flagged)),
  };
}

async function measureModeration<T>(classify: () => Promise<T>, flagged: (result: T) => boolean): Promise<T> {
  const started = performance.now();
  let outcome = 'error';
  try {
    const result = await classify();
    outcome = flagged(result) ? 'flagged' : 'pass';
    return result;
  } catch (error) {
    outcome = errorTypeOf(error);
    throw error;
  } finally {
    recordModerationDuration(outcome, (performance.now() - started) / 1000);
  }
}

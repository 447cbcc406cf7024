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
    async classify(image) {
      const started = performance.now();
      let outcome = 'error';
      try {
        const result = await moderator.classify(image);
        outcome = result.flagged ? 'flagged' : 'pass';
        return result;
      } catch (error) {
        outcome = errorTypeOf(error);
        throw error;
      } finally {
        recordModerationDuration(outcome, (performance.now() - started) / 1000);
      }
    },
  };
}

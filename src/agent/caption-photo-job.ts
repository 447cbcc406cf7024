import type { FastifyBaseLogger } from 'fastify';
import { PermanentJobError, RetryLaterError, type JobHandler, type QueuedJob } from '../jobs/job-queue.js';
import { MediaNotFoundError, type MediaStorage } from '../media/storage/storage.js';
import { mediaKey } from '../photos/media-variants.js';
import { recordCaption } from '../telemetry/metrics.js';
import { traceStep } from '../telemetry/pipeline-tracing.js';
import { CaptionModelError, type CaptionModel } from './caption-model.js';
import type { CaptionRepository } from './caption-repository.js';
import { ALT_TEXT_MAX, CAPTION_MAX, sanitizeCaptionText } from './caption-text.js';

export const CAPTION_PHOTO_JOB = 'caption_photo';

export interface CaptionPhotoDeps {
  readonly captions: CaptionRepository;
  readonly storage: MediaStorage;
  /** null when no CAPTION_MODEL is configured: queued jobs then finish without a call. */
  readonly model: CaptionModel | null;
  readonly log: FastifyBaseLogger;
  readonly now?: () => number;
}

// The display JPEG is at most 1440 px; anything far larger is not ours.
const MAX_IMAGE_BYTES = 16 * 1024 * 1024;
const MIN_RETRY_AFTER_MS = 1_000;
const MAX_RETRY_AFTER_MS = 10 * 60_000;
// Waiting for the model costs no attempts; after this long without an answer the job gives up.
const MAX_WAIT_FOR_MODEL_MS = 3 * 24 * 60 * 60_000;

/**
 * The caption agent as a durable job, queued when a photo becomes ready. It sends the display-size
 * JPEG to the model inside a `photo.caption` span and stores the sanitised answer in the fields the
 * owner left empty. The photo is already published when this runs, so nothing here can hold it
 * back. While the model is away (timeouts, refused connections, 429, 5xx) the job waits for it
 * without spending attempts (honouring Retry-After, else a wait that grows with the job's age) for
 * up to three days; other failures are logged and dropped, and giving up leaves the photo as it is.
 */
export function createCaptionPhotoJob(deps: CaptionPhotoDeps): JobHandler {
  const now = deps.now ?? Date.now;
  const model = deps.model;

  return {
    async run(job: QueuedJob): Promise<void> {
      const photoId = job.photo_id;
      if (!photoId || !model) return;
      const photo = await deps.captions.find(photoId);
      // Deleted, not ready (flagged photos are never sent to a model), or fully described by the owner.
      if (!photo || photo.status !== 'ready' || (photo.alt_text !== '' && photo.caption !== '')) {
        recordCaption('skipped');
        return;
      }
      const jpeg = await readDisplayJpeg(deps.storage, photoId);
      if (!jpeg) {
        recordCaption('skipped');
        return;
      }
      try {
        const filled = await traceStep('caption', async (span) => {
          const draft = await model.describe(jpeg);
          const text = { altText: sanitizeCaptionText(draft.altText, ALT_TEXT_MAX), caption: sanitizeCaptionText(draft.caption, CAPTION_MAX) };
          const result = await deps.captions.fillEmpty(photoId, text, now());
          span.setAttributes({ 'photovault.caption.alt_text_stored': result.altText, 'photovault.caption.caption_stored': result.caption });
          return result;
        });
        recordCaption(filled.altText || filled.caption ? 'stored' : 'skipped');
        deps.log.info({ event: 'caption_stored', photo_id: photoId, model: model.name, alt_text: filled.altText, caption: filled.caption }, 'caption agent finished');
      } catch (error) {
        if (!(error instanceof CaptionModelError)) throw error;
        if (!error.retryable) {
          recordCaption('refused');
          deps.log.warn({ event: 'caption_refused', photo_id: photoId, model: model.name, reason: error.message }, 'caption model refused the request');
          return;
        }
        recordCaption('transient_error');
        if (now() - Number(job.created_at) > MAX_WAIT_FOR_MODEL_MS) {
          throw new PermanentJobError(`caption model unavailable for three days: ${error.message}`, { cause: error });
        }
        const delayMs = error.retryAfterMs === undefined ? undefined : Math.min(Math.max(error.retryAfterMs, MIN_RETRY_AFTER_MS), MAX_RETRY_AFTER_MS);
        throw new RetryLaterError(`caption model unavailable: ${error.message}`, delayMs);
      }
    },

    async onGiveUp(job: QueuedJob, error: unknown): Promise<void> {
      recordCaption('gave_up');
      const reason = error instanceof CaptionModelError || error instanceof PermanentJobError ? error.message : 'unexpected error';
      deps.log.warn({ event: 'caption_failed', photo_id: job.photo_id, attempts: job.attempts, reason }, 'caption agent gave up; the photo keeps its empty fields');
    },
  };
}

async function readDisplayJpeg(storage: MediaStorage, photoId: string): Promise<Buffer | undefined> {
  try {
    const media = await storage.get(mediaKey(photoId, 'display.jpg'));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of media.stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_IMAGE_BYTES) {
        media.stream.destroy();
        return undefined;
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  } catch (error) {
    if (error instanceof MediaNotFoundError) return undefined;
    throw error;
  }
}

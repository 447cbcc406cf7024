import type { FastifyBaseLogger } from 'fastify';
import type { CaptionConfig } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { JobHandler, JobQueue } from '../jobs/job-queue.js';
import type { MediaStorage } from '../media/storage/storage.js';
import { jobPayload } from '../telemetry/job-tracing.js';
import { currentTraceParent } from '../telemetry/trace-parent.js';
import type { CaptionModel } from './caption-model.js';
import { CAPTION_PHOTO_JOB, createCaptionPhotoJob } from './caption-photo-job.js';
import { createCaptionRepository } from './caption-repository.js';
import { OpenAiCaptionModel } from './openai-caption-model.js';

export interface CaptionAgentDeps {
  readonly config: CaptionConfig;
  readonly db: Db;
  /** Where caption jobs go (it wakes this process's worker itself). */
  readonly queue: Pick<JobQueue, 'enqueue'>;
  readonly storage: MediaStorage;
  readonly log: FastifyBaseLogger;
  /** Replaces the configured model (tests). */
  readonly model?: CaptionModel | null;
  readonly now?: () => number;
}

export interface CaptionAgent {
  /** Registered under CAPTION_PHOTO_JOB whether or not a model is configured, so queued jobs always drain. */
  readonly handler: JobHandler;
  /** For the upload pipeline's onFinished: queues a caption job for a photo that became ready. Never throws. */
  onPhotoFinished(photoId: string, status: string): Promise<void>;
}

// Five attempts with the queue's backoff (2 s, 4 s, 8 s, 16 s) ride out a restarting local model server.
const CAPTION_MAX_ATTEMPTS = 5;

/** The caption agent: the configured model, its job handler, and the hook that queues it. */
export function createCaptionAgent(deps: CaptionAgentDeps): CaptionAgent {
  const now = deps.now ?? Date.now;
  const model = deps.model !== undefined ? deps.model : createConfiguredModel(deps.config);
  const handler = createCaptionPhotoJob({ captions: createCaptionRepository(deps.db), storage: deps.storage, model, log: deps.log, now });

  return {
    handler,
    async onPhotoFinished(photoId, status) {
      if (!model || status !== 'ready') return;
      const at = now();
      try {
        // One caption job per photo: a pipeline job that runs again after a crash queues no second.
        await deps.queue.enqueue({
          id: captionJobId(photoId),
          kind: CAPTION_PHOTO_JOB,
          photoId,
          // The caption span joins the upload's trace through the pipeline job's span.
          payload: jobPayload(currentTraceParent()),
          maxAttempts: CAPTION_MAX_ATTEMPTS,
          at,
        });
      } catch (error) {
        // The photo is published already; a missing caption is not worth failing its pipeline for.
        deps.log.error({ event: 'caption_enqueue_failed', photo_id: photoId, err: error }, 'could not queue the caption agent');
      }
    },
  };
}

/** The caption job's id is the photo's, prefixed: queuing it twice is a no-op. */
export function captionJobId(photoId: string): string {
  return `caption-${photoId}`;
}

function createConfiguredModel(config: CaptionConfig): CaptionModel | null {
  if (!config.model) return null;
  return new OpenAiCaptionModel({ model: config.model, baseUrl: config.baseUrl, apiKey: config.apiKey, timeoutMs: config.timeoutMs });
}

import type { JobSpec } from '../../jobs/job-queue.js';
import { jobPayload } from '../../telemetry/job-tracing.js';

// The job's name and spec live apart from its handler (process-photo-job.ts), so that a web-only
// instance queues photos without importing the image pipeline (sharp, libvips).
export const PROCESS_PHOTO_JOB = 'process_photo';
const PROCESS_PHOTO_MAX_ATTEMPTS = 5;

/**
 * A photo's processing job. Its id is derived from the photo's, so queuing it again (a retried
 * enqueue, the reconciler) never makes a second job.
 */
export function processPhotoJob(photo: { readonly id: string; readonly trace_parent: string }, at?: number): JobSpec {
  return {
    id: `process-${photo.id}`,
    kind: PROCESS_PHOTO_JOB,
    photoId: photo.id,
    // Like a message header: the job's span continues the upload request's trace.
    payload: jobPayload(photo.trace_parent),
    maxAttempts: PROCESS_PHOTO_MAX_ATTEMPTS,
    at,
  };
}

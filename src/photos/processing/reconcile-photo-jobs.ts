import type { FastifyBaseLogger } from 'fastify';
import type { JobQueue } from '../../jobs/job-queue.js';
import type { PhotoRepository } from '../photo-repository.js';
import { processPhotoJob } from './photo-job.js';

const BATCH = 500;

/**
 * With a queue outside the database (BullMQ), a photo row is committed first and its job queued
 * after: a crash or a Redis outage in between would leave the photo waiting for ever. The photo
 * row is the source of truth: this queues the processing job of every photo not yet final. The
 * job id derives from the photo id, so a photo whose job exists (waiting, running, delayed, or
 * failed and retained) gets no second one. Runs at start and in every housekeeping round.
 * Returns how many jobs it queued.
 */
export async function enqueueUnfinishedPhotos(photos: PhotoRepository, queue: Pick<JobQueue, 'enqueue'>, log: FastifyBaseLogger): Promise<number> {
  let queued = 0;
  let afterId = '';
  for (;;) {
    const batch = await photos.listUnfinished(afterId, BATCH);
    for (const photo of batch) if (await queue.enqueue(processPhotoJob(photo))) queued++;
    if (batch.length < BATCH) break;
    afterId = batch[batch.length - 1]?.id ?? afterId;
  }
  if (queued > 0) log.warn({ event: 'photo_jobs_reconciled', jobs: queued }, 'queued the processing jobs of photos that had none');
  return queued;
}

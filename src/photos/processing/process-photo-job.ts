import type { FastifyBaseLogger } from 'fastify';
import type { ImageModerator } from '../../media/moderation/moderator.js';
import { ScanFailedError, ScannerUnavailableError, type MalwareScanner } from '../../media/scanner/scanner.js';
import type { MediaStorage } from '../../media/storage/storage.js';
import { RetryLaterError, type JobHandler, type QueuedJob } from '../../jobs/job-queue.js';
import { failpoint } from '../../faults/failpoints.js';
import { recordUploadOutcome, uploadOutcomeForRejection } from '../../telemetry/metrics.js';
import { traceStep } from '../../telemetry/pipeline-tracing.js';
import { factColumns } from '../photo-facts-columns.js';
import type { PhotoRepository } from '../photo-repository.js';
import { moderatePhoto } from '../pipeline/moderate-photo.js';
import { PhotoRejectedError } from '../pipeline/rejection.js';
import { scanUpload } from '../pipeline/scan-upload.js';
import { storePhoto } from '../pipeline/store-photo.js';
import { transformUpload } from '../pipeline/transform-upload.js';
import { validateUpload } from '../pipeline/validate.js';
import type { StagingArea } from '../upload/staging.js';

export interface ProcessPhotoDeps {
  readonly photos: PhotoRepository;
  readonly storage: MediaStorage;
  readonly scanner: MalwareScanner;
  readonly moderator: ImageModerator | null;
  /** Where accepted uploads wait (a local folder, or the media bucket's staging/ for workers elsewhere). */
  readonly staging: StagingArea;
  readonly maxPixels: number;
  readonly maxBytes: number;
  readonly log: FastifyBaseLogger;
  /** Called when a photo reaches a final state, e.g. to start the caption agent. */
  readonly onFinished?: (photoId: string, status: string) => void | Promise<void>;
  /** How long a photo waits before its next try while the scanner is unreachable or storage is full (default 30 s). */
  readonly scannerRetryMs?: number;
  readonly now?: () => number;
}

const FINAL_STATUSES = new Set(['ready', 'held', 'rejected', 'removed']);
const STORAGE_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);
const STORAGE_FULL_DETAIL = 'Waiting for storage space on the server. The photo is kept and will be finished when there is room.';
const PENDING_SCAN_DETAIL = 'Waiting for the malware scanner. The photo stays private until it has been scanned.';
const FAILED_DETAIL = 'Processing failed. Delete this photo and upload it again.';

/**
 * The upload pipeline as a durable job: validate → scan → transform → moderate → store.
 * Moderation runs on the transform's thumbnail so the upload is decoded exactly once.
 * A rejection is final; an unreachable scanner holds the photo as pending_scan and waits for it
 * without spending attempts, however long it is away (fail closed); any other error is retried with
 * backoff and, at the end, marks it failed.
 *
 * Idempotent, because delivery is at least once (a worker killed at any step runs the job again):
 * every step before `markProcessed` only reads the staged file and writes the same keys again, and
 * a re-run that finds the photo already final just finishes what the killed run left (the staged
 * file's removal, the onFinished hook, which only queues deduplicated work).
 */
export function createProcessPhotoJob(deps: ProcessPhotoDeps): JobHandler {
  const now = deps.now ?? Date.now;
  const scannerRetryMs = deps.scannerRetryMs ?? 30_000;

  return {
    async run(job: QueuedJob): Promise<void> {
      const photoId = job.photo_id;
      if (!photoId) return;
      const photo = await deps.photos.findById(photoId);
      if (!photo) {
        await deps.staging.remove(photoId);
        return;
      }
      if (FINAL_STATUSES.has(photo.status)) {
        await deps.staging.remove(photoId);
        await deps.onFinished?.(photoId, photo.status);
        return;
      }
      // A local file: the staged upload itself, or a copy fetched from the bucket (released below).
      const opened = await deps.staging.open(photoId);
      if (!opened) {
        await deps.photos.setStatus(photoId, 'failed', FAILED_DETAIL, now());
        return;
      }
      const staged = opened.path;
      try {
        await failpoint('photo.validate');
        const validated = await traceStep('validate', () => validateUpload(staged, { maxPixels: deps.maxPixels, maxBytes: deps.maxBytes }));
        await deps.photos.setStatus(photoId, 'scanning', '', now());
        try {
          await failpoint('photo.scan');
          await traceStep('scan', () => scanUpload(deps.scanner, staged));
        } catch (error) {
          // clamd answered but cannot scan this file (e.g. over its stream limit): retrying will not
          // help, and an unscanned file is never published (fail closed).
          if (error instanceof ScanFailedError) {
            throw new PhotoRejectedError('malware', { userMessage: 'This file could not be scanned for malware, so it was refused.', logDetail: error.message, cause: error });
          }
          if (!(error instanceof ScannerUnavailableError)) throw error;
          await deps.photos.setStatus(photoId, 'pending_scan', PENDING_SCAN_DETAIL, now());
          deps.log.warn({ event: 'scan_unavailable', photo_id: photoId }, 'malware scanner unreachable; photo held');
          throw new RetryLaterError('malware scanner unavailable', scannerRetryMs);
        }
        await deps.photos.setStatus(photoId, 'processing', '', now());
        await failpoint('photo.transform');
        // Location is read from the EXIF only when the owner asked to keep it at upload.
        const image = await traceStep('transform', () => transformUpload(staged, { maxPixels: deps.maxPixels, keepLocation: photo.keep_location === 1, now: now() }));
        await failpoint('photo.moderate');
        const verdict = await traceStep('moderate', () => moderatePhoto(deps.moderator, image.thumbnail.data, { laterFrames: image.laterFrames.map((frame) => frame.data), framesUnchecked: image.framesUnchecked }));
        if (verdict.held) deps.log.warn({ event: 'moderation_hold', photo_id: photoId }, 'photo held for review');
        await failpoint('photo.store');
        try {
          await traceStep('store', () => storePhoto(deps.storage, photoId, image));
        } catch (error) {
          // A full disk is an outage, not this photo's fault: it waits (no attempt spent) with its
          // staged original kept; each put is atomic, so the files already written are whole and the
          // next try writes them again. The operator has to act: one error line per try.
          if (!STORAGE_FULL_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
          await deps.photos.setStatus(photoId, 'processing', STORAGE_FULL_DETAIL, now());
          deps.log.error({ event: 'storage_full', photo_id: photoId, err: error }, 'media storage is full; photo waits for space');
          throw new RetryLaterError('media storage full', scannerRetryMs);
        }
        await deps.photos.markProcessed(
          photoId,
          {
            status: verdict.held ? 'held' : 'ready',
            statusDetail: verdict.detail,
            format: image.original.format,
            mime: image.original.mime,
            width: image.width,
            height: image.height,
            bytes: image.original.data.length,
            contentHash: image.contentHash,
            placeholder: image.thumbhash,
            facts: factColumns(image.facts),
          },
          now(),
        );
        deps.log.info({ event: 'photo_processed', photo_id: photoId, format: validated.format, held: verdict.held }, 'photo processed');
        recordUploadOutcome(verdict.held ? 'held_moderation' : 'accepted');
        await failpoint('photo.processed');
        await deps.staging.remove(photoId);
        await deps.onFinished?.(photoId, verdict.held ? 'held' : 'ready');
      } catch (error) {
        if (!(error instanceof PhotoRejectedError)) throw error;
        recordUploadOutcome(uploadOutcomeForRejection(error.reason));
        if (error.reason === 'malware') deps.log.warn({ event: 'malware_found', photo_id: photoId, detail: error.logDetail }, 'malware found in upload');
        else deps.log.info({ event: 'upload_rejected', photo_id: photoId, reason: error.reason, detail: error.logDetail }, 'upload rejected');
        await deps.photos.setStatus(photoId, 'rejected', error.userMessage, now());
        await deps.staging.remove(photoId);
        await deps.onFinished?.(photoId, 'rejected');
      } finally {
        await opened.release();
      }
    },

    async onGiveUp(job: QueuedJob): Promise<void> {
      if (!job.photo_id) return;
      recordUploadOutcome('failed');
      await deps.photos.setStatus(job.photo_id, 'failed', FAILED_DETAIL, now());
      await deps.staging.remove(job.photo_id);
    },
  };
}

import { rm } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import { recordUploadOutcome, uploadOutcomeForRejection } from '../../telemetry/metrics.js';
import type { PhotoRecord } from '../photo-repository.js';
import type { PhotoService } from '../photo-service.js';
import { PhotoRejectedError } from '../pipeline/rejection.js';
import { validateUpload } from '../pipeline/validate.js';
import { receiveUpload } from './receive-upload.js';

export interface AcceptUploadOptions {
  readonly service: PhotoService;
  readonly stagingDir: string;
  readonly maxBytes: number;
  readonly maxPixels: number;
  readonly traceParent: string;
}

/**
 * The synchronous half of an upload, shared by the form and the API: stream the body to disk,
 * run the cheap checks (type from the bytes, header dimensions) so bad files are refused at once,
 * then hand the file to the photo service, which queues the pipeline job.
 */
export async function acceptUpload(request: FastifyRequest, ownerId: string, options: AcceptUploadOptions): Promise<PhotoRecord> {
  const staged = await receiveUpload(request, { stagingDir: options.stagingDir, maxBytes: options.maxBytes }).catch(countRejection);
  try {
    await validateUpload(staged.path, { maxPixels: options.maxPixels, maxBytes: options.maxBytes });
  } catch (error) {
    await rm(staged.path, { force: true });
    countRejection(error);
  }
  const photo = await options.service.acceptUpload(ownerId, staged, options.traceParent);
  request.log.info({ event: 'upload_accepted', photo_id: photo.id, bytes: staged.bytes }, 'upload accepted');
  return photo;
}

/** Refusals at the door count in `photovault.uploads` like the pipeline's (rejected_size, rejected_type…). */
function countRejection(error: unknown): never {
  if (error instanceof PhotoRejectedError) recordUploadOutcome(uploadOutcomeForRejection(error.reason));
  throw error;
}

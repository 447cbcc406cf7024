import { rm } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import type { PhotoRecord } from '../photo-repository.js';
import type { PhotoService } from '../photo-service.js';
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
  const staged = await receiveUpload(request, { stagingDir: options.stagingDir, maxBytes: options.maxBytes });
  try {
    await validateUpload(staged.path, { maxPixels: options.maxPixels, maxBytes: options.maxBytes });
  } catch (error) {
    await rm(staged.path, { force: true });
    throw error;
  }
  const photo = await options.service.acceptUpload(ownerId, staged, options.traceParent);
  request.log.info({ event: 'upload_accepted', photo_id: photo.id, bytes: staged.bytes }, 'upload accepted');
  return photo;
}

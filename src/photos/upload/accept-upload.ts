import { rm } from 'node:fs/promises';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors/catalog.js';
import { recordUploadOutcome, uploadOutcomeForRejection } from '../../telemetry/metrics.js';
import type { PhotoRecord } from '../photo-repository.js';
import { DuplicateUploadError, type PhotoService } from '../photo-service.js';
import { PhotoRejectedError } from '../pipeline/rejection.js';
import type { UploadValidator } from '../pipeline/upload-checks.js';
import { receiveUpload, receiveUploads, type StagedUpload } from './receive-upload.js';

export interface AcceptUploadOptions {
  readonly service: PhotoService;
  readonly stagingDir: string;
  readonly maxBytes: number;
  readonly maxPixels: number;
  readonly validate: UploadValidator;
  readonly traceParent: string;
}

/** What became of one file of an upload. */
export type UploadResult =
  | { readonly kind: 'accepted'; readonly name: string; readonly photo: PhotoRecord }
  /** The owner already has these exact bytes: `photo` is that photo; nothing new was stored. */
  | { readonly kind: 'duplicate'; readonly name: string; readonly photo: PhotoRecord }
  | { readonly kind: 'refused'; readonly name: string; readonly error: PhotoRejectedError | AppError };

/**
 * The synchronous half of an upload, shared by the form and the API: stream the body to disk,
 * run the cheap checks (type from the bytes, header dimensions) so bad files are refused at once,
 * then hand the file to the photo service, which queues the pipeline job. A file the owner has
 * uploaded before throws DuplicateUploadError.
 */
export async function acceptUpload(request: FastifyRequest, ownerId: string, options: AcceptUploadOptions): Promise<PhotoRecord> {
  const staged = await receiveUpload(request, { stagingDir: options.stagingDir, maxBytes: options.maxBytes }).catch(countRejection);
  return acceptStaged(request, ownerId, staged, options);
}

/**
 * The same for the form's several files (up to `maxFiles`): each file is checked and accepted on
 * its own, and its result says what became of it. A request that breaks the protocol is refused
 * whole (nothing kept); a server-side failure (storage full) stops the rest and removes them.
 */
export async function acceptUploads(request: FastifyRequest, ownerId: string, options: AcceptUploadOptions & { readonly maxFiles: number }): Promise<UploadResult[]> {
  const received = await receiveUploads(request, { stagingDir: options.stagingDir, maxBytes: options.maxBytes, maxFiles: options.maxFiles }).catch(countRejection);
  const results: UploadResult[] = [];
  for (const refused of received.refused) {
    if (refused.error instanceof PhotoRejectedError) recordUploadOutcome(uploadOutcomeForRejection(refused.error.reason));
    results.push({ kind: 'refused', name: refused.originalName, error: refused.error });
  }
  const waiting = [...received.files];
  try {
    for (let staged = waiting.shift(); staged; staged = waiting.shift()) {
      results.push(await acceptOne(request, ownerId, staged, options));
    }
  } finally {
    await Promise.all(waiting.map((staged) => rm(staged.path, { force: true })));
  }
  return results;
}

async function acceptOne(request: FastifyRequest, ownerId: string, staged: StagedUpload, options: AcceptUploadOptions): Promise<UploadResult> {
  try {
    return { kind: 'accepted', name: staged.originalName, photo: await acceptStaged(request, ownerId, staged, options) };
  } catch (error) {
    if (error instanceof DuplicateUploadError) return { kind: 'duplicate', name: staged.originalName, photo: error.existing };
    if (error instanceof PhotoRejectedError || (error instanceof AppError && error.status < 500)) return { kind: 'refused', name: staged.originalName, error };
    throw error;
  }
}

async function acceptStaged(request: FastifyRequest, ownerId: string, staged: StagedUpload, options: AcceptUploadOptions): Promise<PhotoRecord> {
  try {
    await options.validate(staged.path, { maxPixels: options.maxPixels, maxBytes: options.maxBytes });
  } catch (error) {
    await rm(staged.path, { force: true });
    countRejection(error);
  }
  try {
    const photo = await options.service.acceptUpload(ownerId, staged, options.traceParent);
    request.log.info({ event: 'upload_accepted', photo_id: photo.id, bytes: staged.bytes }, 'upload accepted');
    return photo;
  } catch (error) {
    if (error instanceof DuplicateUploadError) request.log.info({ event: 'upload_duplicate', photo_id: error.existing.id, bytes: staged.bytes }, 'upload is a photo the owner already has');
    throw error;
  }
}

/** Refusals at the door count in `photovault.uploads` like the pipeline's (rejected_size, rejected_type…). */
function countRejection(error: unknown): never {
  if (error instanceof PhotoRejectedError) recordUploadOutcome(uploadOutcomeForRejection(error.reason));
  throw error;
}

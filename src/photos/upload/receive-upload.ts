import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../errors/catalog.js';
import { PhotoRejectedError } from '../pipeline/rejection.js';
import { PROCESS_TAG } from '../../runtime/process-identity.js';
import { multipartBoundary } from './multipart-boundary.js';
import { fileNameProblem, sanitizeFileName } from './sanitize-file-name.js';

export interface StagedUpload {
  /** Temporary file holding the received bytes, fsync'd. */
  readonly path: string;
  readonly bytes: number;
  readonly originalName: string;
  readonly title: string;
  /** The owner ticked "keep location": the photo's GPS position is kept as data (never in the file). */
  readonly keepLocation: boolean;
}

export interface ReceiveUploadOptions {
  readonly stagingDir: string;
  readonly maxBytes: number;
  /** The multipart field that carries the image. */
  readonly fileField?: string;
}

const TITLE_MAX = 200;
// busboy keeps up to 80 KB of each part's headers (2,000 lines) and silently drops the rest; a
// browser sends about 150 bytes. This bounds what a hostile part header can make us hold.
const PART_HEADER_LIMITS = { headerSize: 16 * 1024, headerPairs: 16 };

/**
 * Streams the one image of a multipart request to a temporary file, never holding it in memory,
 * refusing it as soon as it passes the size limit (413). When the CSRF token travels in the body,
 * it must come as the first field and is verified before a single file byte is read.
 */
export async function receiveUpload(request: FastifyRequest, options: ReceiveUploadOptions): Promise<StagedUpload> {
  if (!request.isMultipart()) {
    throw new AppError('unsupported_media_type', { detail: 'Send the photo as multipart/form-data in the field “image”.' });
  }
  // busboy throws bare Errors for a missing or over-long boundary; refuse them before parsing.
  multipartBoundary(request.headers['content-type'] ?? '');
  const fileField = options.fileField ?? 'image';
  await mkdir(options.stagingDir, { recursive: true, mode: 0o700 });
  // The writer's tag lets a sweep in another process tell this live upload from a dead one's leftovers.
  const target = path.join(options.stagingDir, `${PROCESS_TAG}.${randomBytes(16).toString('hex')}.part`);
  let staged: { bytes: number; originalName: string } | undefined;
  let title = '';
  let keepLocation = false;
  try {
    for await (const part of request.parts({ limits: { fileSize: options.maxBytes, files: 1, fields: 4, fieldSize: 4096, parts: 6, ...PART_HEADER_LIMITS } })) {
      if (request.csrfPendingInBody) {
        const token = part.type === 'field' && part.fieldname === '_csrf' ? fieldText(part) : null;
        request.server.verifyBodyCsrfToken(request, token);
      }
      if (part.type === 'field') {
        if (part.fieldname === 'title') title = [...fieldText(part).normalize('NFC')].slice(0, TITLE_MAX).join('').trim();
        if (part.fieldname === 'keep_location') keepLocation = parseCheckbox(fieldText(part));
        continue;
      }
      const refusal = part.fieldname !== fileField || staged ? `Send exactly one file, in the field “${fileField}”.` : fileNameProblem(part.filename);
      if (refusal) {
        part.file.resume();
        throw new AppError('bad_request', { detail: refusal });
      }
      staged = await writePart(part, target, options.maxBytes);
    }
  } catch (error) {
    await rm(target, { force: true });
    if (clientWentAway(request)) throw uploadAborted(request, error);
    throw translateMultipartError(error, options.maxBytes);
  }
  if (!staged) throw new AppError('bad_request', { detail: 'Choose a photo to upload.' });
  if (staged.bytes === 0) {
    await rm(target, { force: true });
    throw new PhotoRejectedError('empty');
  }
  return { path: target, ...staged, title, keepLocation };
}

/** An HTML checkbox (`on` when ticked) or an API client's boolean; anything else is a 400. */
function parseCheckbox(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'on' || normalized === 'true' || normalized === '1') return true;
  if (normalized === '' || normalized === 'off' || normalized === 'false' || normalized === '0') return false;
  throw new AppError('bad_request', { detail: 'The field “keep_location” must be on/true/1 or off/false/0.' });
}

async function writePart(part: MultipartFile, target: string, maxBytes: number) {
  let bytes = 0;
  part.file.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  // flush: the stream fsyncs its descriptor before closing it, so the file is durable before the
  // database row that points at it is written (without reopening it: two thread-pool trips fewer).
  await pipeline(part.file, createWriteStream(target, { flags: 'wx', mode: 0o600, flush: true })).catch(failedWrite);
  if (part.file.truncated) throw tooLarge(maxBytes);
  return { bytes, originalName: sanitizeFileName(part.filename) };
}

/** The disk (or quota) under DATA_DIR/uploads is full or failing: ours to fix, not the client's (507, logged at error by the mapper). */
function failedWrite(error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EIO') throw new AppError('insufficient_storage', { cause: error, detail: 'The server could not write your upload to its storage, so it was not saved. Try again later; the error has been logged.' });
  if (code === 'ENOSPC' || code === 'EDQUOT') throw new AppError('insufficient_storage', { cause: error });
  throw error;
}

/** The connection closed before the whole body arrived (the client cancelled, or the network dropped). */
function clientWentAway(request: FastifyRequest): boolean {
  return !request.raw.complete && (request.raw.destroyed || request.raw.socket.destroyed);
}

// Nobody is left to read the answer, and nothing on our side failed: an info line, no stack.
function uploadAborted(request: FastifyRequest, error: unknown): AppError {
  request.log.info({ event: 'upload_aborted', errCode: (error as { code?: string }).code }, 'upload aborted by the client');
  return new AppError('bad_request', { detail: 'The upload was interrupted before it finished.', cause: error });
}

function fieldText(part: MultipartValue): string {
  return typeof part.value === 'string' ? part.value : '';
}

function tooLarge(maxBytes: number): PhotoRejectedError {
  const mb = Math.round((maxBytes / (1024 * 1024)) * 10) / 10;
  return new PhotoRejectedError('too_large', { userMessage: `This file is larger than the ${mb} MB limit. Upload a smaller photo.` });
}

function translateMultipartError(error: unknown, maxBytes: number): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes);
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new AppError('bad_request', { detail: 'Send one photo per upload.' });
  }
  // busboy reports a malformed body (missing or wrong boundary, bad part headers, early end) as a
  // plain Error; that is the client's input, not our failure.
  const message = error instanceof Error ? error.message : '';
  if (code === 'FST_PROTO_VIOLATION' || code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || /^(Multipart: |Malformed part header|Unexpected end of (form|multipart data)|Boundary not found)/i.test(message)) {
    return new AppError('bad_request', { detail: 'The upload is not a valid multipart/form-data body.' });
  }
  const status = (error as { statusCode?: number }).statusCode;
  if (!(error instanceof AppError) && typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError('bad_request', { detail: 'The upload could not be read.' });
  }
  return error;
}

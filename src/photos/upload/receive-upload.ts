import { createHash, randomBytes } from 'node:crypto';
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
  /** Hex SHA-256 of the bytes received, computed as they streamed in. */
  readonly uploadHash: string;
  /** The owner ticked "keep location": the photo's GPS position is kept as data (never in the file). */
  readonly keepLocation: boolean;
}

/** A file of a several-file upload refused on its own (too large, empty, a bad name); the others go on. */
export interface RefusedFile {
  readonly originalName: string;
  readonly error: PhotoRejectedError | AppError;
}

export interface ReceivedUploads {
  /** In the order they came, each in its own temporary file. */
  readonly files: readonly StagedUpload[];
  readonly refused: readonly RefusedFile[];
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
  const { files } = await receiveParts(request, options, 1);
  const [staged] = files;
  if (!staged) throw new AppError('bad_request', { detail: 'Choose a photo to upload.' });
  return staged;
}

/**
 * Streams up to `maxFiles` images of one multipart request (the form's `multiple` file input) to
 * temporary files, one after the other. A file that is too large, empty or badly named is refused
 * on its own and the rest go on; a request that breaks the protocol (a bad body, too many files,
 * another field's file) is refused whole, and nothing it sent is kept.
 */
export async function receiveUploads(request: FastifyRequest, options: ReceiveUploadOptions & { readonly maxFiles: number }): Promise<ReceivedUploads> {
  const received = await receiveParts(request, options, options.maxFiles);
  if (received.files.length === 0 && received.refused.length === 0) throw new AppError('bad_request', { detail: 'Choose a photo to upload.' });
  return received;
}

async function receiveParts(request: FastifyRequest, options: ReceiveUploadOptions, maxFiles: number): Promise<ReceivedUploads> {
  if (!request.isMultipart()) {
    throw new AppError('unsupported_media_type', { detail: 'Send the photo as multipart/form-data in the field “image”.' });
  }
  // busboy throws bare Errors for a missing or over-long boundary; refuse them before parsing.
  multipartBoundary(request.headers['content-type'] ?? '');
  const fileField = options.fileField ?? 'image';
  const single = maxFiles === 1;
  await mkdir(options.stagingDir, { recursive: true, mode: 0o700 });
  const staged: Omit<StagedUpload, 'title' | 'keepLocation'>[] = [];
  const refused: RefusedFile[] = [];
  let target = '';
  let title = '';
  let keepLocation = false;
  try {
    // A file past the size limit is cut short and marked truncated (not thrown), so that in a
    // several-file post it alone is refused and the next part is still read. (@fastify/multipart
    // reads throwFileSizeLimit in parts() too; its types list it only for file().)
    const partsOptions = {
      limits: { fileSize: options.maxBytes, files: maxFiles, fields: 4, fieldSize: 4096, parts: maxFiles + 5, ...PART_HEADER_LIMITS },
      throwFileSizeLimit: false,
    };
    for await (const part of request.parts(partsOptions)) {
      if (request.csrfPendingInBody) {
        const token = part.type === 'field' && part.fieldname === '_csrf' ? fieldText(part) : null;
        request.server.verifyBodyCsrfToken(request, token);
      }
      if (part.type === 'field') {
        if (part.fieldname === 'title') title = [...fieldText(part).normalize('NFC')].slice(0, TITLE_MAX).join('').trim();
        if (part.fieldname === 'keep_location') keepLocation = parseCheckbox(fieldText(part));
        continue;
      }
      if (part.fieldname !== fileField || (single && staged.length > 0)) {
        part.file.resume();
        throw new AppError('bad_request', { detail: single ? `Send exactly one file, in the field “${fileField}”.` : `Send the photos in the field “${fileField}”.` });
      }
      const nameProblem = fileNameProblem(part.filename);
      if (nameProblem) {
        part.file.resume();
        if (single) throw new AppError('bad_request', { detail: nameProblem });
        refused.push({ originalName: sanitizeFileName(part.filename ?? ''), error: new AppError('bad_request', { detail: nameProblem }) });
        continue;
      }
      // The writer's tag lets a sweep in another process tell this live upload from a dead one's leftovers.
      target = path.join(options.stagingDir, `${PROCESS_TAG}.${randomBytes(16).toString('hex')}.part`);
      const written = await writePart(part, target);
      const problem = written.bytes === 0 ? new PhotoRejectedError('empty') : written.truncated ? tooLarge(options.maxBytes) : null;
      if (problem) {
        await rm(target, { force: true });
        if (single) throw problem;
        refused.push({ originalName: written.originalName, error: problem });
      } else {
        staged.push({ path: target, bytes: written.bytes, originalName: written.originalName, uploadHash: written.uploadHash });
      }
      target = '';
    }
  } catch (error) {
    await Promise.all([target, ...staged.map((file) => file.path)].filter(Boolean).map((file) => rm(file, { force: true })));
    if (clientWentAway(request)) throw uploadAborted(request, error);
    throw translateMultipartError(error, options.maxBytes, maxFiles);
  }
  return { files: staged.map((file) => ({ ...file, title, keepLocation })), refused };
}

/** An HTML checkbox (`on` when ticked) or an API client's boolean; anything else is a 400. */
function parseCheckbox(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  if (normalized === 'on' || normalized === 'true' || normalized === '1') return true;
  if (normalized === '' || normalized === 'off' || normalized === 'false' || normalized === '0') return false;
  throw new AppError('bad_request', { detail: 'The field “keep_location” must be on/true/1 or off/false/0.' });
}

async function writePart(part: MultipartFile, target: string) {
  let bytes = 0;
  const hash = createHash('sha256');
  part.file.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    hash.update(chunk);
  });
  // flush: the stream fsyncs its descriptor before closing it, so the file is durable before the
  // database row that points at it is written (without reopening it: two thread-pool trips fewer).
  await pipeline(part.file, createWriteStream(target, { flags: 'wx', mode: 0o600, flush: true })).catch(failedWrite);
  return { bytes, truncated: part.file.truncated, uploadHash: hash.digest('hex'), originalName: sanitizeFileName(part.filename) };
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

function translateMultipartError(error: unknown, maxBytes: number, maxFiles: number): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes);
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return new AppError('bad_request', { detail: maxFiles === 1 ? 'Send one photo per upload.' : `Send at most ${maxFiles} photos per upload.` });
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

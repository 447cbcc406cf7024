import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requireUser } from '../../accounts/routes.js';
import { COMMON_PROBLEMS, Paginated, pageOf, pageWindow, problemResponses, READ_SECURITY, WRITE_SECURITY, type ApiPlugin } from '../../api/index.js';
import { strictValidatorCompiler } from '../../api/strict-validator.js';
import { AppError } from '../../errors/catalog.js';
import type { PhotoRecord } from '../photo-repository.js';
import { DuplicateUploadError, type PhotoService } from '../photo-service.js';
import { cleanPhotoText } from '../photo-text.js';
import type { MediaLinks } from '../../media/storage/storage.js';
import { serveMedia } from '../serve-media.js';
import type { UploadValidator } from '../pipeline/upload-checks.js';
import { acceptUpload } from '../upload/accept-upload.js';
import { parsePhotoSearch } from '../search/photo-search.js';
import { AcceptedUpload, DuplicateUpload, MediaParams, PhotoIdParams, PhotoListQuery, PhotoPatch, PhotoSchema, PhotoStatusSchema, toPhotoJson, toStatusJson, UploadBody } from './photo-schemas.js';

export interface PhotoApiDeps {
  readonly service: PhotoService;
  readonly stagingDir: string;
  readonly maxBytes: number;
  readonly maxPixels: number;
  /** The upload gate: sharp where jobs run, a header-only parser on a web-only instance. */
  readonly validate: UploadValidator;
  readonly traceParentOf?: (request: FastifyRequest) => string;
  /** MEDIA_DELIVERY=redirect: media answer with a short-lived signed storage URL. */
  readonly mediaLinks?: MediaLinks;
}

const TAGS = ['photos'];

/** The photos JSON API: list, upload, get, status, edit, delete and media; owner-only throughout. */
export function photoApiRoutes(deps: PhotoApiDeps): ApiPlugin {
  return async (app) => {
    await app.register(fastifyMultipart, { limits: { fileSize: deps.maxBytes, files: 1, fields: 4, parts: 6 } });

    const owned = async (request: FastifyRequest, id: string): Promise<PhotoRecord> => {
      const photo = await deps.service.getOwned(requireUser(request), id);
      if (!photo) throw new AppError('not_found');
      return photo;
    };

    app.get(
      '/api/v1/photos',
      {
        schema: {
          operationId: 'listPhotos',
          summary: 'Your photos, latest taken first (date taken, else upload time); with q, from or to, a search of them',
          tags: TAGS,
          security: READ_SECURITY,
          querystring: PhotoListQuery,
          response: { 200: Paginated(PhotoSchema, 'A page of your photos (or of those the search found).'), ...problemResponses(400, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const window = pageWindow(request.query);
        const { q = '', from = '', to = '' } = request.query;
        const parsed = parsePhotoSearch({ q, from, to });
        if (!parsed.ok) throw new AppError('validation_failed', { detail: parsed.errors.join(' ') });
        const rows = await deps.service.list(requireUser(request).id, window.limit, window.offset, parsed.search);
        return pageOf(rows.map(toPhotoJson), window);
      },
    );

    app.post(
      '/api/v1/photos',
      {
        config: { multipartUpload: true },
        schema: {
          operationId: 'uploadPhoto',
          summary: 'Upload a photo',
          description: 'Streams the file; the type is decided from its bytes. Processing (scan, moderation, re-encoding) runs in the background: poll the status URL.',
          tags: TAGS,
          security: WRITE_SECURITY,
          consumes: ['multipart/form-data'],
          body: UploadBody,
          response: { 202: AcceptedUpload, 303: DuplicateUpload, ...problemResponses(400, 401, 403, 413, 415, 429, 507) },
        },
        // The body is streamed by the handler, so only its documentation comes from the schema.
        validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : strictValidatorCompiler(route)),
      },
      async (request, reply) => {
        const user = requireUser(request);
        const photo = await acceptUpload(request, user.id, { ...deps, traceParent: deps.traceParentOf?.(request) ?? '' }).catch((error: unknown) => {
          if (error instanceof DuplicateUploadError) return error;
          throw error;
        });
        if (photo instanceof DuplicateUploadError) {
          const { id, status } = photo.existing;
          return reply.code(303).header('location', `/api/v1/photos/${id}`).send({ id, status, status_url: `/api/v1/photos/${id}/status`, photo_url: `/api/v1/photos/${id}`, duplicate: true });
        }
        return reply
          .code(202)
          .header('location', `/api/v1/photos/${photo.id}`)
          .send({ id: photo.id, status: photo.status, status_url: `/api/v1/photos/${photo.id}/status`, photo_url: `/api/v1/photos/${photo.id}` });
      },
    );

    app.get(
      '/api/v1/photos/:id',
      {
        schema: {
          operationId: 'getPhoto',
          summary: 'One of your photos',
          tags: TAGS,
          security: READ_SECURITY,
          params: PhotoIdParams,
          response: { 200: PhotoSchema, ...problemResponses(400, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => toPhotoJson(await owned(request, request.params.id)),
    );

    app.get(
      '/api/v1/photos/:id/status',
      {
        schema: {
          operationId: 'getPhotoStatus',
          summary: 'Processing status of one of your photos',
          tags: TAGS,
          security: READ_SECURITY,
          params: PhotoIdParams,
          response: { 200: PhotoStatusSchema, ...problemResponses(400, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => toStatusJson(await owned(request, request.params.id)),
    );

    app.patch(
      '/api/v1/photos/:id',
      {
        schema: {
          operationId: 'updatePhoto',
          summary: 'Edit the title, alt text or caption',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: PhotoIdParams,
          body: PhotoPatch,
          response: { 200: PhotoSchema, ...problemResponses(400, 403, 404, 415, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const user = requireUser(request);
        const fields: { title?: string; alt_text?: string; caption?: string } = {};
        for (const key of ['title', 'alt_text', 'caption'] as const) {
          const value = request.body[key];
          if (value !== undefined) fields[key] = cleanPhotoText(value, key);
        }
        const updated = await deps.service.updateText(user.id, request.params.id, fields);
        if (!updated) throw new AppError('not_found');
        return toPhotoJson(updated);
      },
    );

    app.delete(
      '/api/v1/photos/:id',
      {
        schema: {
          operationId: 'deletePhoto',
          summary: 'Delete one of your photos and its files for good (in the library or in the Trash)',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: PhotoIdParams,
          response: { 204: Type.Null({ description: 'Deleted.' }), ...problemResponses(400, 403, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request, reply) => {
        if (!(await deps.service.delete(requireUser(request).id, request.params.id))) throw new AppError('not_found');
        request.log.info({ event: 'photo_deleted', photo_id: request.params.id }, 'photo deleted');
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/v1/photos/:id/media/:variant',
      {
        config: { neverCache: false },
        schema: {
          operationId: 'getPhotoMedia',
          summary: 'A stored file of one of your photos',
          tags: TAGS,
          security: READ_SECURITY,
          params: MediaParams,
          response: {
            200: {
              description: 'The image (only raster types written by photovault).',
              content: Object.fromEntries(['image/jpeg', 'image/png', 'image/webp'].map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
            },
            301: Type.Null({ description: 'A retired variant (display.webp, thumb.webp): Location names the JPEG that replaced it.' }),
            302: Type.Null({ description: 'With MEDIA_DELIVERY=redirect: a signed storage URL (Location) that lives at most 300 s.' }),
            304: Type.Null({ description: 'Not modified (the ETag matched).' }),
            ...problemResponses(400, 404, ...COMMON_PROBLEMS),
          },
        },
      },
      async (request, reply) => {
        // A trashed photo's media stay its owner's (the Trash shows them); every other read is a 404.
        const photo = await deps.service.getOwnedAnywhere(requireUser(request), request.params.id);
        if (!photo) throw new AppError('not_found');
        return serveMedia(request, reply, deps.service, photo, request.params.variant, deps.mediaLinks);
      },
    );
  };
}

import { Type } from 'typebox';
import { requireUser } from '../../accounts/routes.js';
import { COMMON_PROBLEMS, PageQuery, Paginated, pageOf, pageWindow, problemResponses, READ_SECURITY, Timestamp, toTimestamp, WRITE_SECURITY, type ApiPlugin } from '../../api/index.js';
import { AppError } from '../../errors/catalog.js';
import { PhotoIdParams, PhotoSchema, photoIdList, toPhotoJson } from '../../photos/api/photo-schemas.js';
import type { PhotoService } from '../../photos/photo-service.js';
import type { TrashedPhoto, TrashService } from '../trash-service.js';

export interface TrashApiDeps {
  readonly trash: TrashService;
  readonly photos: Pick<PhotoService, 'getOwnedAnywhere'>;
}

const TAGS = ['trash'];

export const TrashedPhotoSchema = Type.Object(
  {
    ...PhotoSchema.properties,
    trashed_at: Timestamp,
    purge_at: { ...Timestamp, description: 'When the housekeeping job deletes it for good (TRASH_RETENTION_DAYS after trashed_at).' },
  },
  { additionalProperties: false, title: 'TrashedPhoto' },
);

const TrashManyBody = Type.Object({ photo_ids: photoIdList('nothing moves') }, { additionalProperties: false });

function toTrashedJson({ photo, trashedAt, purgeAt }: TrashedPhoto) {
  return { ...toPhotoJson(photo), trashed_at: toTimestamp(trashedAt), purge_at: toTimestamp(purgeAt) };
}

/**
 * The Trash in the JSON API: list, move one photo or several there, restore one, empty it. A photo in the Trash
 * is a 404 for every other photo operation but its media and `DELETE /api/v1/photos/{id}` (for good).
 */
export function trashApiRoutes(deps: TrashApiDeps): ApiPlugin {
  return async (app) => {
    app.get(
      '/api/v1/photos/trash',
      {
        schema: {
          operationId: 'listTrash',
          summary: 'Your photos in the Trash, most recently trashed first',
          tags: TAGS,
          security: READ_SECURITY,
          querystring: PageQuery,
          response: { 200: Paginated(TrashedPhotoSchema, 'A page of your Trash.'), ...problemResponses(400, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const window = pageWindow(request.query);
        const rows = await deps.trash.list(requireUser(request).id, window.limit, window.offset);
        return pageOf(rows.map(toTrashedJson), window);
      },
    );

    app.delete(
      '/api/v1/photos/trash',
      {
        schema: {
          operationId: 'emptyTrash',
          summary: 'Delete every photo in your Trash for good',
          tags: TAGS,
          security: WRITE_SECURITY,
          response: { 200: Type.Object({ deleted: Type.Integer({ minimum: 0 }) }, { additionalProperties: false, title: 'EmptiedTrash' }), ...problemResponses(403, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const deleted = await deps.trash.empty(requireUser(request).id);
        request.log.info({ event: 'trash_emptied', photos: deleted }, 'Trash emptied');
        return { deleted };
      },
    );

    app.post(
      '/api/v1/photos/trash',
      {
        schema: {
          operationId: 'trashPhotos',
          summary: 'Move several of your photos to the Trash (all or none)',
          description: 'As the gallery’s selection does. An id repeated counts once; a photo already in the Trash, or not yours, is a 404 and nothing moves.',
          tags: TAGS,
          security: WRITE_SECURITY,
          body: TrashManyBody,
          response: { 200: Type.Object({ trashed: Type.Integer({ minimum: 1 }) }, { additionalProperties: false, title: 'TrashedPhotos' }), ...problemResponses(400, 403, 404, 415, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const ids = [...new Set(request.body.photo_ids)];
        if (!(await deps.trash.trash(requireUser(request).id, ids))) throw new AppError('not_found');
        request.log.info({ event: 'photos_trashed', photos: ids.length }, 'photos moved to the Trash');
        return { trashed: ids.length };
      },
    );

    app.post(
      '/api/v1/photos/:id/trash',
      {
        schema: {
          operationId: 'trashPhoto',
          summary: 'Move one of your photos to the Trash',
          description: 'It leaves the gallery, albums and search, and its share links stop working, until it is restored or purged. A photo already in the Trash is a 404.',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: PhotoIdParams,
          response: { 200: TrashedPhotoSchema, ...problemResponses(400, 403, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const user = requireUser(request);
        if (!(await deps.trash.trash(user.id, [request.params.id]))) throw new AppError('not_found');
        request.log.info({ event: 'photos_trashed', photo_id: request.params.id, photos: 1 }, 'photo moved to the Trash');
        const photo = await deps.photos.getOwnedAnywhere({ id: user.id }, request.params.id);
        if (!photo) throw new AppError('not_found');
        return toTrashedJson(deps.trash.describe(photo));
      },
    );

    app.post(
      '/api/v1/photos/:id/restore',
      {
        schema: {
          operationId: 'restorePhoto',
          summary: 'Bring one of your photos back from the Trash',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: PhotoIdParams,
          response: { 200: PhotoSchema, ...problemResponses(400, 403, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const user = requireUser(request);
        if (!(await deps.trash.restore(user.id, request.params.id))) throw new AppError('not_found');
        request.log.info({ event: 'photo_restored', photo_id: request.params.id }, 'photo restored from the Trash');
        const photo = await deps.photos.getOwnedAnywhere({ id: user.id }, request.params.id);
        if (!photo) throw new AppError('not_found');
        return toPhotoJson(photo);
      },
    );
  };
}

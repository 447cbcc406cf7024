import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { requireUser } from '../../accounts/routes.js';
import { COMMON_PROBLEMS, PageQuery, Paginated, pageOf, pageWindow, problemResponses, READ_SECURITY, WRITE_SECURITY, type ApiPlugin } from '../../api/index.js';
import { AppError } from '../../errors/catalog.js';
import { PhotoSchema, toPhotoJson } from '../../photos/api/photo-schemas.js';
import type { ShareApiTarget } from '../../shares/api/share-api-routes.js';
import type { AlbumSummaryRow } from '../album-repository.js';
import type { AlbumService } from '../album-service.js';
import { AddPhotosBody, AlbumIdParams, AlbumPatch, AlbumPhotoParams, AlbumSchema, CreateAlbumBody, toAlbumJson } from './album-schemas.js';

const TAGS = ['albums'];

/** Albums under `/api/v1/albums/{id}/shares`, for the share links API. */
export function albumShareTarget(albums: AlbumService): ShareApiTarget {
  return {
    kind: 'album',
    collection: '/api/v1/albums',
    findOwned: async (user, id) => {
      const found = await albums.getOwned(user.id, id);
      return found && { kind: 'album', album: found.album };
    },
  };
}

/** The albums JSON API: the same service, rules and ownership as the pages. */
export function albumApiRoutes(deps: { albums: AlbumService }): ApiPlugin {
  return async (app) => {
    const owned = async (request: FastifyRequest, id: string): Promise<AlbumSummaryRow> => {
      const found = await deps.albums.getOwned(requireUser(request).id, id);
      if (!found) throw new AppError('not_found');
      return found.album;
    };

    app.get(
      '/api/v1/albums',
      {
        schema: {
          operationId: 'listAlbums',
          summary: 'Your albums, newest first',
          tags: TAGS,
          security: READ_SECURITY,
          querystring: PageQuery,
          response: { 200: Paginated(AlbumSchema, 'A page of your albums.'), ...problemResponses(400, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const window = pageWindow(request.query);
        const rows = await deps.albums.list(requireUser(request).id, window.limit, window.offset);
        return pageOf(rows.map(({ album }) => toAlbumJson(album)), window);
      },
    );

    app.post(
      '/api/v1/albums',
      {
        schema: {
          operationId: 'createAlbum',
          summary: 'Create an album, optionally with some of your photos in it',
          tags: TAGS,
          security: WRITE_SECURITY,
          body: CreateAlbumBody,
          response: { 201: AlbumSchema, ...problemResponses(400, 403, 404, 415, ...COMMON_PROBLEMS) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        const result = await deps.albums.create(user.id, request.body.name, request.body.photo_ids ?? []);
        if (!result.ok) throw new AppError('validation_failed', { detail: result.errors.join(' ') });
        request.log.info({ event: 'album_created', album_id: result.id }, 'album created');
        return reply.code(201).header('location', `/api/v1/albums/${result.id}`).send(toAlbumJson(await owned(request, result.id)));
      },
    );

    app.get(
      '/api/v1/albums/:id',
      {
        schema: {
          operationId: 'getAlbum',
          summary: 'One of your albums',
          tags: TAGS,
          security: READ_SECURITY,
          params: AlbumIdParams,
          response: { 200: AlbumSchema, ...problemResponses(400, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => toAlbumJson(await owned(request, request.params.id)),
    );

    app.patch(
      '/api/v1/albums/:id',
      {
        schema: {
          operationId: 'updateAlbum',
          summary: 'Rename an album or choose its cover',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: AlbumIdParams,
          body: AlbumPatch,
          response: { 200: AlbumSchema, ...problemResponses(400, 403, 404, 415, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const user = requireUser(request);
        const { id } = request.params;
        await owned(request, id);
        if (request.body.name !== undefined) {
          const renamed = await deps.albums.rename(user.id, id, request.body.name);
          if (!renamed.ok) throw new AppError('validation_failed', { detail: renamed.errors.join(' ') });
        }
        if (request.body.cover_photo_id !== undefined) await deps.albums.setCover(user.id, id, request.body.cover_photo_id);
        return toAlbumJson(await owned(request, id));
      },
    );

    app.delete(
      '/api/v1/albums/:id',
      {
        schema: {
          operationId: 'deleteAlbum',
          summary: 'Delete an album (its photos stay in your library)',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: AlbumIdParams,
          response: { 204: Type.Null({ description: 'Deleted, with its share links.' }), ...problemResponses(400, 403, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request, reply) => {
        await deps.albums.delete(requireUser(request).id, request.params.id);
        request.log.info({ event: 'album_deleted', album_id: request.params.id }, 'album deleted');
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/v1/albums/:id/photos',
      {
        schema: {
          operationId: 'listAlbumPhotos',
          summary: 'The ready photos of one of your albums, in album order',
          tags: TAGS,
          security: READ_SECURITY,
          params: AlbumIdParams,
          querystring: PageQuery,
          response: { 200: Paginated(PhotoSchema, 'A page of the album’s photos.'), ...problemResponses(400, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const album = await owned(request, request.params.id);
        const window = pageWindow(request.query);
        const rows = await deps.albums.listReadyPhotos(album.id, window.limit, window.offset);
        return pageOf(rows.map(toPhotoJson), window);
      },
    );

    app.post(
      '/api/v1/albums/:id/photos',
      {
        schema: {
          operationId: 'addAlbumPhotos',
          summary: 'Add some of your photos to an album (all or none)',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: AlbumIdParams,
          body: AddPhotosBody,
          response: { 200: AlbumSchema, ...problemResponses(400, 403, 404, 415, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const added = await deps.albums.addPhotos(requireUser(request).id, request.params.id, request.body.photo_ids);
        request.log.info({ event: 'album_photos_added', album_id: request.params.id, added }, 'photos added to album');
        return toAlbumJson(await owned(request, request.params.id));
      },
    );

    app.delete(
      '/api/v1/albums/:id/photos/:photoId',
      {
        schema: {
          operationId: 'removeAlbumPhoto',
          summary: 'Take a photo out of an album (it stays in your library)',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: AlbumPhotoParams,
          response: { 204: Type.Null({ description: 'Removed from the album.' }), ...problemResponses(400, 403, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request, reply) => {
        const removed = await deps.albums.removePhotos(requireUser(request).id, request.params.id, [request.params.photoId]);
        if (removed === 0) throw new AppError('not_found', { detail: 'That photo is not in this album.' });
        request.log.info({ event: 'album_photos_removed', album_id: request.params.id, removed }, 'photos removed from album');
        return reply.code(204).send(null);
      },
    );
  };
}

import { Type } from 'typebox';
import { requireUser } from '../../accounts/routes.js';
import { COMMON_PROBLEMS, problemResponses, READ_SECURITY, Timestamp, toTimestamp, WRITE_SECURITY, type ApiPlugin } from '../../api/index.js';
import { AppError } from '../../errors/catalog.js';
import { PhotoIdParams } from '../../photos/api/photo-schemas.js';
import type { PhotoService } from '../../photos/photo-service.js';
import { EXPIRY_CHOICES, MAX_SHARE_PASSWORD_LENGTH } from '../share-rules.js';
import type { ShareLinkSummary, ShareService } from '../share-service.js';

const ShareLink = Type.Object(
  {
    id: Type.String(),
    created_at: Timestamp,
    expires_at: Timestamp,
    has_password: Type.Boolean(),
    state: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
    views: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false, title: 'ShareLink' },
);

const CreatedShareLink = Type.Object(
  {
    link: ShareLink,
    token: Type.String({ description: 'Shown this once: only its hash is stored.' }),
    url: Type.String({ description: 'The path to give out: /s/<token>/' }),
  },
  { additionalProperties: false },
);

const CreateShareBody = Type.Object(
  {
    expires_in_days: Type.Optional(Type.Union(EXPIRY_CHOICES.map((d) => Type.Literal(d)), { default: 7 })),
    password: Type.Optional(Type.String({ maxLength: MAX_SHARE_PASSWORD_LENGTH, description: 'Optional; at least 8 characters.' })),
  },
  { additionalProperties: false },
);

const ShareParams = Type.Object(
  { id: Type.String({ pattern: '^[0-9a-f]{32}$' }), shareId: Type.String({ pattern: '^[0-9a-f]{32}$' }) },
  { additionalProperties: false },
);

function toShareJson(link: ShareLinkSummary) {
  return {
    id: link.id,
    created_at: toTimestamp(link.createdAt),
    expires_at: toTimestamp(link.expiresAt),
    has_password: link.hasPassword,
    state: link.state,
    views: link.views,
  };
}

const TAGS = ['shares'];

/** Share links over the JSON API: the same service, rules and ownership as the photo page. */
export function shareApiRoutes(deps: { photos: PhotoService; shares: ShareService }): ApiPlugin {
  return async (app) => {
    app.get(
      '/api/v1/photos/:id/shares',
      {
        schema: {
          operationId: 'listShareLinks',
          summary: 'Share links of one of your photos',
          tags: TAGS,
          security: READ_SECURITY,
          params: PhotoIdParams,
          response: { 200: Type.Object({ items: Type.Array(ShareLink) }, { additionalProperties: false }), ...problemResponses(400, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const user = requireUser(request);
        if (!(await deps.photos.getOwned(user, request.params.id))) throw new AppError('not_found');
        return { items: (await deps.shares.listForPhoto(user.id, request.params.id)).map(toShareJson) };
      },
    );

    app.post(
      '/api/v1/photos/:id/shares',
      {
        schema: {
          operationId: 'createShareLink',
          summary: 'Create a share link (ready photos only)',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: PhotoIdParams,
          body: CreateShareBody,
          response: { 201: CreatedShareLink, ...problemResponses(400, 403, 404, 409, 415, ...COMMON_PROBLEMS) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        const photo = await deps.photos.getOwned(user, request.params.id);
        if (!photo) throw new AppError('not_found');
        const result = await deps.shares.create(photo, { expiresIn: String(request.body.expires_in_days ?? 7), password: request.body.password ?? '' });
        if (!result.ok) throw new AppError(result.status === 409 ? 'conflict' : 'validation_failed', { detail: result.errors.join(' ') });
        request.log.info({ event: 'share_created', photo_id: photo.id, share_id: result.link.id }, 'share link created');
        return reply.code(201).send({ link: toShareJson(result.link), token: result.token, url: `/s/${result.token}/` });
      },
    );

    app.delete(
      '/api/v1/photos/:id/shares/:shareId',
      {
        schema: {
          operationId: 'revokeShareLink',
          summary: 'Revoke a share link',
          tags: TAGS,
          security: WRITE_SECURITY,
          params: ShareParams,
          response: { 204: Type.Null({ description: 'Revoked: the link answers 404 from now on.' }), ...problemResponses(400, 403, 404, ...COMMON_PROBLEMS) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        if (!(await deps.shares.revoke(user.id, request.params.id, request.params.shareId))) throw new AppError('not_found');
        request.log.info({ event: 'share_revoked', photo_id: request.params.id, share_id: request.params.shareId }, 'share link revoked');
        return reply.code(204).send(null);
      },
    );
  };
}

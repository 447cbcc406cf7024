import { Type } from 'typebox';
import { requireUser } from '../../accounts/routes.js';
import { COMMON_PROBLEMS, problemResponses, READ_SECURITY, Timestamp, toTimestamp, WRITE_SECURITY, type ApiPlugin } from '../../api/index.js';
import { AppError } from '../../errors/catalog.js';
import type { PhotoService } from '../../photos/photo-service.js';
import type { AuthenticatedUser } from '../../security/route-options.js';
import type { ShareTarget } from '../share-repository.js';
import { EXPIRY_CHOICES, MAX_SHARE_PASSWORD_LENGTH } from '../share-rules.js';
import type { ShareLinkSummary, ShareService, ShareSubject } from '../share-service.js';

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

const TargetParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'The photo or album id (128 random bits, hex).' }) }, { additionalProperties: false });

/** Something links can share under the API: `${collection}/{id}/shares`. */
export interface ShareApiTarget {
  readonly kind: ShareTarget['kind'];
  /** The collection's path, e.g. `/api/v1/photos`. */
  readonly collection: string;
  /** The subject if the user owns it; undefined (a 404) for anyone else. */
  readonly findOwned: (user: AuthenticatedUser, id: string) => Promise<ShareSubject | undefined>;
}

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

/** Photos under `/api/v1/photos/{id}/shares` (only ready ones can be shared). */
export function photoShareTarget(photos: PhotoService): ShareApiTarget {
  return {
    kind: 'photo',
    collection: '/api/v1/photos',
    findOwned: async (user, id) => {
      const photo = await photos.getOwned(user, id);
      return photo && { kind: 'photo', photo };
    },
  };
}

/** Share links over the JSON API: the same service, rules and ownership as the pages, for each target. */
export function shareApiRoutes(deps: { shares: ShareService; targets: readonly ShareApiTarget[] }): ApiPlugin {
  return async (app) => {
    for (const target of deps.targets) {
      // Photo operations keep their original ids; album ones say so (listAlbumShareLinks, …).
      const infix = target.kind === 'photo' ? '' : 'Album';
      const owned = async (user: AuthenticatedUser, id: string): Promise<ShareSubject> => {
        const subject = await target.findOwned(user, id);
        if (!subject) throw new AppError('not_found');
        return subject;
      };

      app.get(
        `${target.collection}/:id/shares`,
        {
          schema: {
            operationId: `list${infix}ShareLinks`,
            summary: `Share links of one of your ${target.kind}s`,
            tags: TAGS,
            security: READ_SECURITY,
            params: TargetParams,
            response: { 200: Type.Object({ items: Type.Array(ShareLink) }, { additionalProperties: false }), ...problemResponses(400, 404, ...COMMON_PROBLEMS) },
          },
        },
        async (request) => {
          const user = requireUser(request);
          await owned(user, request.params.id);
          return { items: (await deps.shares.list(user.id, { kind: target.kind, id: request.params.id })).map(toShareJson) };
        },
      );

      app.post(
        `${target.collection}/:id/shares`,
        {
          schema: {
            operationId: `create${infix}ShareLink`,
            summary: target.kind === 'photo' ? 'Create a share link (ready photos only)' : 'Create a share link to an album (it shows the ready photos)',
            tags: TAGS,
            security: WRITE_SECURITY,
            params: TargetParams,
            body: CreateShareBody,
            response: { 201: CreatedShareLink, ...problemResponses(400, 403, 404, 409, 415, ...COMMON_PROBLEMS) },
          },
        },
        async (request, reply) => {
          const subject = await owned(requireUser(request), request.params.id);
          const result = await deps.shares.create(subject, { expiresIn: String(request.body.expires_in_days ?? 7), password: request.body.password ?? '' });
          if (!result.ok) throw new AppError(result.status === 409 ? 'conflict' : 'validation_failed', { detail: result.errors.join(' ') });
          request.log.info({ event: 'share_created', [`${target.kind}_id`]: request.params.id, share_id: result.link.id }, 'share link created');
          return reply.code(201).send({ link: toShareJson(result.link), token: result.token, url: `/s/${result.token}/` });
        },
      );

      app.delete(
        `${target.collection}/:id/shares/:shareId`,
        {
          schema: {
            operationId: `revoke${infix}ShareLink`,
            summary: 'Revoke a share link',
            tags: TAGS,
            security: WRITE_SECURITY,
            params: ShareParams,
            response: { 204: Type.Null({ description: 'Revoked: the link answers 404 from now on.' }), ...problemResponses(400, 403, 404, ...COMMON_PROBLEMS) },
          },
        },
        async (request, reply) => {
          const user = requireUser(request);
          if (!(await deps.shares.revoke(user.id, { kind: target.kind, id: request.params.id }, request.params.shareId))) throw new AppError('not_found');
          request.log.info({ event: 'share_revoked', [`${target.kind}_id`]: request.params.id, share_id: request.params.shareId }, 'share link revoked');
          return reply.code(204).send(null);
        },
      );
    }
  };
}

import { Type } from 'typebox';
import { API_TOKEN_NAME_MAX } from '../../accounts/api-tokens/api-token-name.js';
import type { ApiTokenService, ApiTokenSummary } from '../../accounts/api-tokens/api-token-service.js';
import { requireUser } from '../../accounts/routes.js';
import { AppError } from '../../errors/catalog.js';
import type { ApiPlugin } from '../api-plugin.js';
import { ResourceIdParams, Timestamp, toTimestamp } from '../schemas/common.js';
import { PageQuery, Paginated, pageOf, pageWindow } from '../schemas/pagination.js';
import { COMMON_PROBLEMS, problemResponses } from '../schemas/problem.js';
import { READ_SECURITY, SESSION_WRITE_SECURITY, WRITE_SECURITY } from '../security.js';

const tokenFields = {
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart.' }),
  created_at: Timestamp,
  last_used_at: Type.Union([Timestamp, Type.Null()], { description: 'Last use, to the minute; null if never used.' }),
};

const ApiToken = Type.Object(tokenFields, { additionalProperties: false, title: 'ApiToken' });

const CreatedApiToken = Type.Object(
  { ...tokenFields, token: Type.String({ pattern: '^pv_[A-Za-z0-9_-]{43}$', description: 'The token itself: shown this once, never again.' }) },
  { additionalProperties: false, description: 'The new token. Store `token` now: it cannot be retrieved later.' },
);

const CreateApiTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: API_TOKEN_NAME_MAX, description: 'What the token is for.' }) },
  { additionalProperties: false },
);

const Revoked = Type.Null({ description: 'Revoked: the token no longer authenticates.' });

/** Personal API tokens: list, create (from a signed-in session only) and revoke. */
export function tokenRoutes(tokens: ApiTokenService): ApiPlugin {
  return async (app) => {
    app.get(
      '/api/v1/tokens',
      {
        schema: {
          operationId: 'listApiTokens',
          summary: 'Your API tokens, newest first',
          tags: ['tokens'],
          security: READ_SECURITY,
          querystring: PageQuery,
          response: { 200: Paginated(ApiToken, 'A page of your API tokens.'), ...problemResponses(400, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const window = pageWindow(request.query);
        const rows = await tokens.list(requireUser(request).id, window.limit, window.offset);
        return pageOf(rows.map(toApiToken), window);
      },
    );

    app.post(
      '/api/v1/tokens',
      {
        schema: {
          operationId: 'createApiToken',
          summary: 'Create an API token',
          description: 'Only from a signed-in session (with the CSRF header): a token cannot mint further tokens, so a leaked one cannot outlive its revocation.',
          tags: ['tokens'],
          security: SESSION_WRITE_SECURITY,
          body: CreateApiTokenBody,
          response: { 201: CreatedApiToken, ...problemResponses(400, 401, 403, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        if (!request.session) throw new AppError('forbidden', { detail: 'API tokens can only be created from a signed-in session.' });
        const result = await tokens.create(user.id, request.body.name);
        if (!result.ok) throw new AppError('validation_failed', { detail: result.errors.join(' ') });
        request.log.info({ event: 'api_token_created', token_id: result.summary.id }, 'API token created');
        return reply.code(201).send({ ...toApiToken(result.summary), token: result.token });
      },
    );

    app.delete(
      '/api/v1/tokens/:id',
      {
        schema: {
          operationId: 'revokeApiToken',
          summary: 'Revoke an API token',
          description: 'A token may revoke itself, e.g. when it has leaked.',
          tags: ['tokens'],
          security: WRITE_SECURITY,
          params: ResourceIdParams,
          response: { 204: Revoked, ...problemResponses(400, 401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        // Another user's token and no token at all get the same 404 (no id probing).
        if (!(await tokens.revoke(user.id, request.params.id))) throw new AppError('not_found');
        request.log.info({ event: 'api_token_revoked', token_id: request.params.id }, 'API token revoked');
        return reply.code(204).send(null);
      },
    );
  };
}

function toApiToken(summary: ApiTokenSummary) {
  return {
    id: summary.id,
    name: summary.name,
    prefix: summary.prefix,
    created_at: toTimestamp(summary.createdAt),
    last_used_at: summary.lastUsedAt === null ? null : toTimestamp(summary.lastUsedAt),
  };
}

import { Type } from 'typebox';
import { COMMON_PROBLEMS, problemResponses, READ_SECURITY, toTimestamp, WRITE_SECURITY, type ApiPlugin } from '../../api/index.js';
import { AppError } from '../../errors/catalog.js';
import { deletionError, requestDeletion, type AccountDeletionRoutesDeps } from '../deletion/account-deletion-routes.js';
import { sendExport, type ExportRoutesDeps } from '../export/export-routes.js';
import type { ExportView } from '../export/export-service.js';
import { partyOf } from '../../audit/audit-log.js';
import { MAX_PASSWORD_LENGTH } from '../password/length-validator.js';
import { requireUser } from '../routes.js';
import { clearSessionCookie } from '../sessions/session-cookie.js';

const ExportSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    status: Type.Union([Type.Literal('queued'), Type.Literal('building'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('expired')]),
    bytes: Type.Integer({ minimum: 0, description: 'Size of the zip once ready.' }),
    photo_count: Type.Integer({ minimum: 0, description: 'Originals in the zip once ready.' }),
    created_at: Type.String({ format: 'date-time' }),
    ready_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the download stops working and the zip is removed.' }),
    download_url: Type.Union([Type.String(), Type.Null()], { description: 'While ready: where to GET the zip (owner only).' }),
  },
  { additionalProperties: false, title: 'AccountExport' },
);

const ExportParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'The export id.' }) }, { additionalProperties: false });

const DeleteAccountBody = Type.Object(
  {
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, description: 'Your current password.' }),
    code: Type.Optional(Type.String({ maxLength: 64, description: 'With two-factor login on: a current TOTP code or an unused recovery code.' })),
  },
  { additionalProperties: false },
);

const NoContent = Type.Null({ description: 'Done.' });

function toExportJson(view: ExportView) {
  return {
    id: view.id,
    status: view.status,
    bytes: view.bytes,
    photo_count: view.photoCount,
    created_at: toTimestamp(view.createdAt),
    ready_at: view.readyAt === null ? null : toTimestamp(view.readyAt),
    expires_at: view.expiresAt === null ? null : toTimestamp(view.expiresAt),
    download_url: view.downloadable ? `/api/v1/account/export/${view.id}/file` : null,
  };
}

/** `/api/v1/account/export…` (request, status, download) and `DELETE /api/v1/account`. */
export function accountDataApiRoutes(deps: ExportRoutesDeps & AccountDeletionRoutesDeps): ApiPlugin {
  return async (app) => {
    app.post(
      '/api/v1/account/export',
      {
        schema: {
          operationId: 'requestExport',
          summary: 'Request an export of your data',
          description: 'Queues a zip of your originals and photovault.json (metadata, albums, share links without tokens). One export at a time: 409 while one is queued or building.',
          tags: ['account'],
          security: WRITE_SECURITY,
          response: { 202: ExportSchema, ...problemResponses(401, 403, 409, 429) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        const result = await deps.exports.request(user.id);
        if (!result.ok) throw new AppError('conflict', { detail: 'An export is already being built. Wait until it is ready.' });
        await deps.audit.record({ event: 'account_export_requested', actor: partyOf(user), target: partyOf(user), request, detail: result.export.id });
        return reply.code(202).send(toExportJson(result.export));
      },
    );

    app.get(
      '/api/v1/account/export',
      {
        schema: {
          operationId: 'getExport',
          summary: 'Your latest export and its download URL',
          tags: ['account'],
          security: READ_SECURITY,
          response: { 200: ExportSchema, ...problemResponses(404, ...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const latest = await deps.exports.latest(requireUser(request).id);
        if (!latest) throw new AppError('not_found', { detail: 'You have no export yet.' });
        return toExportJson(latest);
      },
    );

    app.get(
      '/api/v1/account/export/:id/file',
      {
        schema: {
          operationId: 'downloadExport',
          summary: 'Download one of your exports (a zip)',
          description: 'Only its owner, only until it expires (then 404).',
          tags: ['account'],
          security: READ_SECURITY,
          params: ExportParams,
          response: {
            200: { description: 'The zip.', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
            ...problemResponses(400, 404, ...COMMON_PROBLEMS),
          },
        },
      },
      async (request, reply) => sendExport(deps, request, reply, request.params.id),
    );

    app.delete(
      '/api/v1/account',
      {
        schema: {
          operationId: 'deleteAccount',
          summary: 'Delete your account',
          description:
            'Needs your password and, with two-factor login on, a code. Every session and API token ends at once (this one included); photos, files, albums and share links are removed by a background job. Wrong passwords count towards the login lockout.',
          tags: ['account'],
          security: WRITE_SECURITY,
          body: DeleteAccountBody,
          response: { 204: NoContent, ...problemResponses(400, 401, 403, 409, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const result = await requestDeletion(deps, request, request.body.password, request.body.code ?? '');
        if (!result.ok) throw deletionError(result);
        clearSessionCookie(reply);
        return reply.code(204).send(null);
      },
    );
  };
}

import { Type } from 'typebox';
import { COMMON_PROBLEMS, problemResponses, READ_SECURITY, ResourceIdParams, Timestamp, toTimestamp, WRITE_SECURITY, type ApiPlugin } from '../../api/index.js';
import { partyOf, type AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import { MAX_PASSWORD_LENGTH } from '../password/length-validator.js';
import { requireUser } from '../routes.js';
import type { IdentityCheck } from './confirm-identity.js';
import type { PasskeyService } from './passkey-service.js';

const Passkey = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }),
    name: Type.String({ maxLength: 64 }),
    created_at: Timestamp,
    last_used_at: Type.Union([Timestamp, Type.Null()], { description: 'Last login with it; null when never used.' }),
  },
  { additionalProperties: false, title: 'Passkey' },
);

const PasskeyList = Type.Object({ items: Type.Array(Passkey) }, { additionalProperties: false, description: 'Your passkeys, oldest first.' });

const TwoFactorStatus = Type.Object(
  {
    totp: Type.Boolean({ description: 'Whether TOTP two-factor login is on.' }),
    unused_recovery_codes: Type.Integer({ minimum: 0 }),
    passkeys: Type.Integer({ minimum: 0, description: 'How many passkeys you have; any passkey is a second factor too.' }),
  },
  { additionalProperties: false, title: 'TwoFactorStatus' },
);

const RemoveBody = Type.Object(
  {
    password: Type.Optional(Type.String({ maxLength: MAX_PASSWORD_LENGTH, description: 'Your current password.' })),
    code: Type.Optional(Type.String({ maxLength: 20, description: 'Or a current TOTP code (or a recovery code), when TOTP is on.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

const NoContent = Type.Null({ description: 'Done.' });

export interface PasskeyApiDeps {
  readonly passkeys: PasskeyService;
  readonly audit: AuditLog;
  readonly confirmIdentity: IdentityCheck;
  readonly twoFactorStatus: (userId: string) => Promise<{ enabled: boolean; unusedRecoveryCodes: number }>;
}

/**
 * `/api/v1/account/two-factor` and `/api/v1/account/passkeys`: the second factors' state, list and
 * removal. Adding a passkey is a browser ceremony (the account pages), not an API operation.
 */
export function passkeyApiRoutes(deps: PasskeyApiDeps): ApiPlugin {
  return async (app) => {
    app.get(
      '/api/v1/account/two-factor',
      {
        schema: {
          operationId: 'getTwoFactorStatus',
          summary: 'Your second factors',
          tags: ['account'],
          security: READ_SECURITY,
          response: { 200: TwoFactorStatus, ...problemResponses(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const user = requireUser(request);
        const status = await deps.twoFactorStatus(user.id);
        return { totp: status.enabled, unused_recovery_codes: status.unusedRecoveryCodes, passkeys: await deps.passkeys.count(user.id) };
      },
    );

    app.get(
      '/api/v1/account/passkeys',
      {
        schema: {
          operationId: 'listPasskeys',
          summary: 'Your passkeys',
          tags: ['account'],
          security: READ_SECURITY,
          response: { 200: PasskeyList, ...problemResponses(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const rows = await deps.passkeys.list(requireUser(request).id);
        return { items: rows.map((p) => ({ id: p.id, name: p.name, created_at: toTimestamp(p.created_at), last_used_at: p.last_used_at > 0 ? toTimestamp(p.last_used_at) : null })) };
      },
    );

    app.delete(
      '/api/v1/account/passkeys/:id',
      {
        schema: {
          operationId: 'removePasskey',
          summary: 'Remove one of your passkeys',
          description: 'Needs your password, or a current TOTP or recovery code; wrong passwords are throttled.',
          tags: ['account'],
          security: WRITE_SECURITY,
          params: ResourceIdParams,
          body: RemoveBody,
          response: { 204: NoContent, ...problemResponses(400, 401, 403, 404, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        // Another user's passkey and no passkey at all get the same 404 (no id probing).
        const passkey = await deps.passkeys.find(user.id, request.params.id);
        if (!passkey) throw new AppError('not_found');
        const confirmed = await deps.confirmIdentity(user.id, request.body.password ?? '', request.body.code ?? '', request.ip);
        if (!confirmed.ok) {
          await deps.audit.record({ event: 'passkey_failed', actor: partyOf(user), target: partyOf(user), request, detail: `removal refused: ${confirmed.reason}` });
          if (confirmed.reason === 'throttled') throw new AppError('too_many_requests', { detail: confirmed.message, retryAfterSeconds: confirmed.retryAfterSeconds });
          throw new AppError('validation_failed', { detail: confirmed.message });
        }
        if (!(await deps.passkeys.remove(user.id, passkey.id))) throw new AppError('not_found');
        await deps.audit.record({ event: 'passkey_removed', actor: partyOf(user), target: partyOf(user), request, detail: `passkey ${passkey.id} “${passkey.name}” (API)` });
        return reply.code(204).send(null);
      },
    );
  };
}

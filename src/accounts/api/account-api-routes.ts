import { Type } from 'typebox';
import { COMMON_PROBLEMS, problemResponses, READ_SECURITY, ResourceIdParams, Timestamp, toTimestamp, WRITE_SECURITY, type ApiPlugin } from '../../api/index.js';
import { partyOf, type AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import type { PasswordChangeService } from '../password-change/password-change-service.js';
import { MAX_PASSWORD_LENGTH } from '../password/length-validator.js';
import { requireUser } from '../routes.js';
import { clearSessionCookie, setSessionCookie } from '../sessions/session-cookie.js';
import type { SessionService } from '../sessions/session-service.js';
import { summarizeSessions } from '../sessions/session-summary.js';

const ChangePasswordBody = Type.Object(
  {
    old_password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, description: 'The current password.' }),
    new_password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, description: 'The new password; the whole password policy applies.' }),
  },
  { additionalProperties: false },
);

const Session = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'Names the session here; not its cookie.' }),
    browser: Type.String({ description: 'e.g. "Firefox 121", or "Unknown browser".' }),
    system: Type.String({ description: 'e.g. "Windows 10", or "Unknown system".' }),
    current: Type.Boolean({ description: 'The session this request came with (always false with a Bearer token).' }),
    created_at: Timestamp,
    last_seen_at: Type.String({ format: 'date-time', description: 'Last request, to the minute.' }),
  },
  { additionalProperties: false, title: 'Session' },
);

const SessionList = Type.Object({ items: Type.Array(Session) }, { additionalProperties: false, description: 'Your signed-in sessions, most recently active first.' });

const NoContent = Type.Null({ description: 'Done.' });

/** `/api/v1/account/…`: change the password; list and end sessions. */
export function accountApiRoutes(deps: { readonly passwordChange: PasswordChangeService; readonly sessions: SessionService; readonly audit: AuditLog }): ApiPlugin {
  return async (app) => {
    app.post(
      '/api/v1/account/password',
      {
        schema: {
          operationId: 'changePassword',
          summary: 'Change your password',
          description:
            'Every session ends except, with a session cookie, the one making the request, which continues under a new id (a new cookie in this answer). Wrong old passwords count towards the login lockout.',
          tags: ['account'],
          security: WRITE_SECURITY,
          body: ChangePasswordBody,
          response: { 204: NoContent, ...problemResponses(400, 401, 403, 413, 415, 429) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        const result = await deps.passwordChange.change({
          userId: user.id,
          oldPassword: request.body.old_password,
          password1: request.body.new_password,
          password2: request.body.new_password,
          address: request.ip,
          renewSession: request.session ? { userAgent: request.headers['user-agent'] ?? '' } : null,
        });
        if (result.ok) {
          if (result.session) setSessionCookie(reply, result.session.token, deps.sessions.cookieMaxAgeSeconds);
          request.log.info({ event: 'password_changed', user_id: user.id, sessions_ended: result.sessionsEnded }, 'password changed');
          await deps.audit.record({ event: 'password_changed', actor: partyOf(user), target: partyOf(user), request, detail: `API; other sessions ended: ${result.sessionsEnded}` });
          return reply.code(204).send(null);
        }
        if (result.reason === 'throttled') {
          throw new AppError('too_many_requests', { detail: `Too many failed attempts. Try again in ${result.retryAfterSeconds} seconds.`, retryAfterSeconds: result.retryAfterSeconds });
        }
        const { old_password: old = [], new_password1: weak = [] } = result.errors;
        if (old.length > 0) request.log.warn({ event: 'password_change_failed' }, 'password change refused: wrong old password');
        const detail = [...old.map((m) => `old_password: ${m}`), ...weak.map((m) => `new_password: ${m}`)].join(' ');
        throw new AppError('validation_failed', { detail });
      },
    );

    app.get(
      '/api/v1/account/sessions',
      {
        schema: {
          operationId: 'listSessions',
          summary: 'Your signed-in sessions',
          tags: ['account'],
          security: READ_SECURITY,
          response: { 200: SessionList, ...problemResponses(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const rows = await deps.sessions.list(requireUser(request).id);
        const items = summarizeSessions(rows, request.session?.idHash).map((s) => ({
          id: s.id,
          browser: s.browser,
          system: s.system,
          current: s.current,
          created_at: toTimestamp(s.createdAt),
          last_seen_at: toTimestamp(s.lastSeenAt),
        }));
        return { items };
      },
    );

    app.delete(
      '/api/v1/account/sessions/:id',
      {
        schema: {
          operationId: 'endSession',
          summary: 'End one of your sessions',
          description: 'Ending the session this request came with logs it out (its cookie is cleared).',
          tags: ['account'],
          security: WRITE_SECURITY,
          params: ResourceIdParams,
          response: { 204: NoContent, ...problemResponses(400, 401, 403, 404, 429) },
        },
      },
      async (request, reply) => {
        const user = requireUser(request);
        // Another user's session and no session at all get the same 404 (no id probing).
        const ended = await deps.sessions.endByRef(user.id, request.params.id);
        if (ended === null) throw new AppError('not_found');
        request.log.info({ event: 'session_ended', session_id: request.params.id }, 'session ended by its owner');
        if (ended === request.session?.idHash) clearSessionCookie(reply);
        return reply.code(204).send(null);
      },
    );
  };
}

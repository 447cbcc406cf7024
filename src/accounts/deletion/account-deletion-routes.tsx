import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { partyOf, type AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import { AccountDeletePage, type AccountDeletePageProps } from '../../views/pages/account-delete-page.js';
import { readForm } from '../../web/forms.js';
import { redirectWithNotice } from '../../web/notices.js';
import { sendPage, viewContextFor } from '../../web/pages.js';
import { requireUser } from '../routes.js';
import { clearSessionCookie } from '../sessions/session-cookie.js';
import { DELETION_MESSAGES, type AccountDeletionService, type DeletionResult } from './account-deletion-service.js';

export interface AccountDeletionRoutesDeps {
  readonly deletion: AccountDeletionService;
  readonly audit: AuditLog;
}

const FIELDS = ['password', 'code'] as const;

/** Runs a deletion request and records it; shared by the page and the API. */
export async function requestDeletion(deps: AccountDeletionRoutesDeps, request: FastifyRequest, password: string, code: string): Promise<DeletionResult> {
  const user = requireUser(request);
  const result = await deps.deletion.request({ userId: user.id, password, code, address: request.ip });
  if (result.ok) {
    request.log.info({ event: 'account_deletion_requested', user_id: user.id }, 'account deletion requested');
    await deps.audit.record({ event: 'account_deletion_requested', actor: partyOf(user), target: partyOf(user), request });
  } else {
    request.log.warn({ event: 'account_deletion_refused', reason: result.reason }, 'account deletion refused');
    await deps.audit.record({ event: 'account_deletion_refused', actor: partyOf(user), target: partyOf(user), request, detail: result.reason });
  }
  return result;
}

/** `/accounts/delete/`: private, CSRF-checked, never cached; success ends the session and logs out. */
export async function accountDeletionRoutes(app: FastifyInstance, deps: AccountDeletionRoutesDeps): Promise<void> {
  const render = async (request: FastifyRequest, reply: FastifyReply, errors: AccountDeletePageProps['errors'], status = 200) => {
    const { enabled } = await deps.deletion.twoFactorStatus(requireUser(request).id);
    return sendPage(reply, <AccountDeletePage context={viewContextFor(request, reply)} needsCode={enabled} errors={errors} />, status);
  };

  app.get('/accounts/delete/', async (request, reply) => render(request, reply, {}));

  app.post('/accounts/delete/', async (request, reply) => {
    const form = readForm(request.body, FIELDS);
    const result = await requestDeletion(deps, request, form.password, form.code);
    if (result.ok) {
      clearSessionCookie(reply);
      return redirectWithNotice(reply, '/accounts/login/', 'account_deleted');
    }
    if (result.reason === 'throttled') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return render(request, reply, { form: [`Too many failed attempts. Try again in ${result.retryAfterSeconds} seconds.`] }, 429);
    }
    const message = DELETION_MESSAGES[result.reason];
    const field = result.reason === 'wrong_password' ? 'password' : result.reason === 'last_admin' ? 'form' : 'code';
    return render(request, reply, { [field]: [message] }, result.reason === 'last_admin' ? 409 : 400);
  });
}

/** The API's answer to a refused deletion. */
export function deletionError(result: Exclude<DeletionResult, { ok: true }>): AppError {
  if (result.reason === 'throttled') {
    return new AppError('too_many_requests', { detail: `Too many failed attempts. Try again in ${result.retryAfterSeconds} seconds.`, retryAfterSeconds: result.retryAfterSeconds });
  }
  if (result.reason === 'last_admin') return new AppError('conflict', { detail: DELETION_MESSAGES.last_admin });
  return new AppError('validation_failed', { detail: `${result.reason === 'wrong_password' ? 'password' : 'code'}: ${DELETION_MESSAGES[result.reason]}` });
}

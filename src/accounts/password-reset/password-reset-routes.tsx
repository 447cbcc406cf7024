import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import { PasswordResetConfirmPage } from '../../views/pages/password-reset-confirm-page.js';
import { PasswordResetPage, type PasswordResetPageProps } from '../../views/pages/password-reset-page.js';
import { readForm } from '../../web/forms.js';
import { sendPage, viewContextFor, wantsJson } from '../../web/pages.js';
import { clearSessionCookie } from '../sessions/session-cookie.js';
import type { PasswordResetService } from './password-reset-service.js';
import { resetLinkPath } from './reset-token.js';

interface TokenParams {
  readonly token: string;
}

/**
 * `/accounts/password/reset/` (ask for a link by email) and `/accounts/password/reset/<token>/`
 * (set the new password): public, CSRF-checked, never cached.
 */
export async function passwordResetRoutes(app: FastifyInstance, deps: { readonly resets: PasswordResetService; readonly audit: AuditLog }): Promise<void> {
  const publicPage = { public: true, neverCache: true };
  const { resets } = deps;
  const page = (request: FastifyRequest, reply: FastifyReply, props: Omit<PasswordResetPageProps, 'context'>, status = 200) =>
    sendPage(reply, <PasswordResetPage context={viewContextFor(request, reply)} {...props} />, status);

  app.get('/accounts/password/reset/', { config: publicPage }, async (request, reply) =>
    page(request, reply, { state: resets.available ? 'form' : 'unavailable', email: '', errors: [] }),
  );

  app.post('/accounts/password/reset/', { config: publicPage }, async (request, reply) => {
    const form = readForm(request.body, ['email'] as const);
    const result = await resets.request({ email: form.email, address: request.ip });
    if (result.ok) {
      request.log.info({ event: 'password_reset_requested' }, 'password reset requested');
      // One entry per account mailed, or one naming no account: the same single write either way,
      // so the audit log adds no timing difference between known and unknown addresses.
      if (result.mailed.length === 0) await deps.audit.record({ event: 'password_reset_requested', request, detail: 'no account mailed' });
      for (const user of result.mailed) await deps.audit.record({ event: 'password_reset_requested', target: { id: user.id, name: user.username }, request, detail: 'link mailed' });
      return page(request, reply, { state: 'sent', email: '', errors: [] });
    }
    // Not an outage but how this server is set up: the page says so (a 5xx would read as a fault).
    if (result.reason === 'unavailable') return page(request, reply, { state: 'unavailable', email: '', errors: [] });
    if (result.reason === 'invalid') return page(request, reply, { state: 'form', email: form.email, errors: result.errors }, 400);
    request.log.warn({ event: 'password_reset_throttled', retry_after: result.retryAfterSeconds }, 'password reset throttled');
    const detail = `Too many password reset requests for this address or from your network. Try again in ${result.retryAfterSeconds} seconds.`;
    if (wantsJson(request)) throw new AppError('too_many_requests', { detail, retryAfterSeconds: result.retryAfterSeconds });
    reply.header('retry-after', String(result.retryAfterSeconds));
    return page(request, reply, { state: 'form', email: form.email, errors: [detail] }, 429);
  });

  // Opening the link shows the form without using the link up (mail scanners fetch links too).
  app.get<{ Params: TokenParams }>('/accounts/password/reset/:token/', { config: publicPage }, async (request, reply) => {
    const owner = await resets.check(request.params.token);
    const context = viewContextFor(request, reply);
    if (!owner) return sendPage(reply, <PasswordResetConfirmPage context={context} action={undefined} username="" errors={{}} />, 404);
    return sendPage(reply, <PasswordResetConfirmPage context={context} action={resetLinkPath(request.params.token)} username={owner.username} errors={{}} />);
  });

  app.post<{ Params: TokenParams }>('/accounts/password/reset/:token/', { config: publicPage }, async (request, reply) => {
    const form = readForm(request.body, ['new_password1', 'new_password2'] as const);
    const { token } = request.params;
    const result = await resets.confirm({ token, password1: form.new_password1, password2: form.new_password2 });
    const context = viewContextFor(request, reply);
    if (result.ok) {
      request.log.info({ event: 'password_reset_completed' }, 'password reset through a mailed link');
      const owner = { id: result.userId, name: result.username };
      await deps.audit.record({ event: 'password_reset_completed', actor: owner, target: owner, request, detail: 'through a mailed link; every session ended' });
      // Every session of the account has ended; a browser signed in as someone else keeps its own.
      if (request.user?.id === result.userId) clearSessionCookie(reply);
      return reply.redirect('/accounts/login/?reset=1', 303);
    }
    if (result.reason === 'invalid_link') {
      request.log.warn({ event: 'password_reset_link_refused' }, 'password reset link refused');
      return sendPage(reply, <PasswordResetConfirmPage context={context} action={undefined} username="" errors={{}} />, 400);
    }
    return sendPage(reply, <PasswordResetConfirmPage context={context} action={resetLinkPath(token)} username={result.username} errors={result.errors} />, 400);
  });
}

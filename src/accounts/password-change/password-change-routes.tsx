import type { FastifyInstance } from 'fastify';
import { partyOf, type AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import { Layout } from '../../views/layout.js';
import { PasswordChangePage } from '../../views/pages/password-change-page.js';
import { readForm } from '../../web/forms.js';
import { sendPage, viewContextFor, wantsJson } from '../../web/pages.js';
import { requireUser } from '../routes.js';
import { setSessionCookie } from '../sessions/session-cookie.js';
import type { SessionService } from '../sessions/session-service.js';
import type { PasswordChangeService } from './password-change-service.js';

export interface PasswordChangeRoutesDeps {
  readonly passwordChange: PasswordChangeService;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
}

const FIELDS = ['old_password', 'new_password1', 'new_password2'] as const;

/** `/accounts/password/change/` (Django's PasswordChangeView): private, CSRF-checked, never cached. */
export async function passwordChangeRoutes(app: FastifyInstance, deps: PasswordChangeRoutesDeps): Promise<void> {
  app.get('/accounts/password/change/', async (request, reply) => sendPage(reply, <PasswordChangePage context={viewContextFor(request, reply)} errors={{}} />));

  app.post('/accounts/password/change/', async (request, reply) => {
    const user = requireUser(request);
    const form = readForm(request.body, FIELDS);
    const result = await deps.passwordChange.change({
      userId: user.id,
      oldPassword: form.old_password,
      password1: form.new_password1,
      password2: form.new_password2,
      address: request.ip,
      renewSession: request.session ? { userAgent: request.headers['user-agent'] ?? '' } : null,
    });
    if (result.ok) {
      // The old id is gone with every other session; this browser continues under a new one.
      if (result.session) setSessionCookie(reply, result.session.token, deps.sessions.cookieMaxAgeSeconds);
      request.log.info({ event: 'password_changed', user_id: user.id, sessions_ended: result.sessionsEnded }, 'password changed');
      await deps.audit.record({ event: 'password_changed', actor: partyOf(user), target: partyOf(user), request, detail: `other sessions ended: ${result.sessionsEnded}` });
      return reply.redirect('/accounts/password/change/done/', 303);
    }
    if (result.reason === 'throttled') {
      request.log.warn({ event: 'password_change_throttled', retry_after: result.retryAfterSeconds }, 'password change throttled');
      const detail = `Too many failed attempts. Try again in ${result.retryAfterSeconds} seconds.`;
      if (wantsJson(request)) throw new AppError('too_many_requests', { detail, retryAfterSeconds: result.retryAfterSeconds });
      reply.header('retry-after', String(result.retryAfterSeconds));
      return sendPage(reply, <PasswordChangePage context={viewContextFor(request, reply)} errors={{ form: [detail] }} />, 429);
    }
    if (result.errors.old_password) request.log.warn({ event: 'password_change_failed' }, 'password change refused: wrong old password');
    return sendPage(reply, <PasswordChangePage context={viewContextFor(request, reply)} errors={result.errors} />, 400);
  });

  app.get('/accounts/password/change/done/', async (request, reply) =>
    sendPage(
      reply,
      <Layout title="Password changed" context={viewContextFor(request, reply)}>
        <section class="card narrow">
          <h1>Password changed</h1>
          <p class="notice" role="status">
            Your password was changed. Every other session of your account has been signed out.
          </p>
          <p>
            <a href="/accounts/">Back to your account</a>
          </p>
        </section>
      </Layout>,
    ),
  );
}

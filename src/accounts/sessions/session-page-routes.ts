import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/catalog.js';
import { requireUser } from '../routes.js';
import { clearSessionCookie } from './session-cookie.js';
import type { SessionService } from './session-service.js';

const SESSION_REF = /^[A-Za-z0-9_-]{22}$/;

/** The account page's session forms: end one session, or every other one (CSRF-checked like every POST). */
export async function sessionPageRoutes(app: FastifyInstance, deps: { readonly sessions: SessionService }): Promise<void> {
  app.post<{ Params: { id: string } }>('/accounts/sessions/:id/end/', async (request, reply) => {
    const user = requireUser(request);
    // Another user's session, a malformed id and no session at all get the same 404 (no id probing).
    const ended = SESSION_REF.test(request.params.id) ? await deps.sessions.endByRef(user.id, request.params.id) : null;
    if (ended === null) throw new AppError('not_found');
    request.log.info({ event: 'session_ended', session_id: request.params.id }, 'session ended by its owner');
    if (ended === request.session?.idHash) {
      clearSessionCookie(reply);
      return reply.redirect('/accounts/login/', 303);
    }
    return reply.redirect('/accounts/', 303);
  });

  app.post('/accounts/sessions/end-others/', async (request, reply) => {
    const user = requireUser(request);
    if (!request.session) throw new AppError('unauthenticated');
    const ended = await deps.sessions.endOthers(user.id, request.session.idHash);
    request.log.info({ event: 'logout_everywhere_else', sessions_ended: ended }, 'other sessions ended');
    return reply.redirect('/accounts/', 303);
  });
}

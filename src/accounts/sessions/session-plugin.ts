import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readSessionCookie } from './session-cookie.js';
import type { SessionService } from './session-service.js';
import { requestHook } from '../../web/hooks.js';

/** Loads the signed-in user for every request from the session cookie (one indexed query). */
export function registerSessionLoading(app: FastifyInstance, sessions: SessionService): void {
  app.decorateRequest('user', null);
  app.decorateRequest('session', null);
  const load = async (request: FastifyRequest, token: string): Promise<void> => {
    const found = await sessions.resolve(token);
    if (!found) return;
    request.user = found.user;
    request.session = { idHash: found.session.id_hash, createdAt: found.session.created_at };
  };
  app.addHook(
    'onRequest',
    requestHook((request) => {
      const token = readSessionCookie(request);
      if (token) return load(request, token);
    }),
  );
}

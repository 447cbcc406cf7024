import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors/catalog.js';
import { wantsJson } from '../web/pages.js';
import { loginUrlFor } from './safe-redirect.js';
import { requestHook } from '../web/hooks.js';

/**
 * Deny by default: every matched route needs a signed-in user unless its config says `public: true`.
 * Pages redirect to the login page with a safe `next`; API clients get a 401 problem document.
 * Runs before the body is parsed, so anonymous requests cost nothing more.
 */
export function registerLoginRequired(app: FastifyInstance): void {
  app.addHook(
    'onRequest',
    requestHook((request, reply) => {
      if (request.is404 || request.routeOptions.config?.public === true || request.user) return;
      if (wantsJson(request)) throw new AppError('unauthenticated');
      reply.redirect(loginUrlFor(request.url), 303);
    }),
  );
}

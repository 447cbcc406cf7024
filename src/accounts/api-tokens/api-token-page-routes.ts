import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/catalog.js';
import { readForm } from '../../web/forms.js';
import { redirectWithNotice } from '../../web/notices.js';
import { sendAccountPage, type AccountPageDeps } from '../account-page-response.js';

/** The account page's forms for personal API tokens (CSRF-checked like every POST). */
export async function apiTokenPageRoutes(app: FastifyInstance, deps: AccountPageDeps): Promise<void> {
  // The new token is drawn into this response only (never stored, never redirected through a URL),
  // so it is shown exactly once; the page is private and so never cached.
  app.post('/accounts/api-tokens/', async (request, reply) => {
    if (!request.user) throw new AppError('unauthenticated');
    const form = readForm(request.body, ['name'] as const);
    const result = await deps.apiTokens.create(request.user.id, form.name);
    if (!result.ok) return sendAccountPage(request, reply, deps, { errors: result.errors, name: form.name }, 400);
    request.log.info({ event: 'api_token_created', token_id: result.summary.id }, 'API token created');
    return sendAccountPage(request, reply, deps, { created: { name: result.summary.name, token: result.token } });
  });

  app.post<{ Params: { id: string } }>('/accounts/api-tokens/:id/revoke/', async (request, reply) => {
    if (!request.user) throw new AppError('unauthenticated');
    // Another user's token and no token at all get the same 404 (no id probing).
    if (!(await deps.apiTokens.revoke(request.user.id, request.params.id))) throw new AppError('not_found');
    request.log.info({ event: 'api_token_revoked', token_id: request.params.id }, 'API token revoked');
    return redirectWithNotice(reply, '/accounts/', 'token_revoked');
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/catalog.js';
import { readForm } from '../../web/forms.js';
import { redirectWithNotice } from '../../web/notices.js';
import { redirectRevealing, takeRevealed } from '../../web/one-time-reveal.js';
import { sendAccountPage, type AccountPageDeps, type AccountPageExtras } from '../account-page-response.js';

const ACCOUNT_PAGE = '/accounts/';

/** The account page's forms for personal API tokens (CSRF-checked like every POST). */
export async function apiTokenPageRoutes(app: FastifyInstance, deps: AccountPageDeps): Promise<void> {
  // The new token goes to the account page in a sealed one-time cookie (POST → redirect → GET, as
  // share links do): it is never stored or put in a URL, a refresh neither re-submits the form nor
  // shows it again, and the page is private and so never cached.
  app.post('/accounts/api-tokens/', async (request, reply) => {
    if (!request.user) throw new AppError('unauthenticated');
    const form = readForm(request.body, ['name'] as const);
    const result = await deps.apiTokens.create(request.user.id, form.name);
    if (!result.ok) return sendAccountPage(request, reply, deps, { errors: result.errors, name: form.name }, 400);
    request.log.info({ event: 'api_token_created', token_id: result.summary.id }, 'API token created');
    return redirectRevealing(reply, deps.reveals, ACCOUNT_PAGE, result.token, '#api-tokens-heading');
  });

  app.post<{ Params: { id: string } }>('/accounts/api-tokens/:id/revoke/', async (request, reply) => {
    if (!request.user) throw new AppError('unauthenticated');
    // Another user's token and no token at all get the same 404 (no id probing).
    if (!(await deps.apiTokens.revoke(request.user.id, request.params.id))) throw new AppError('not_found');
    request.log.info({ event: 'api_token_revoked', token_id: request.params.id }, 'API token revoked');
    return redirectWithNotice(reply, ACCOUNT_PAGE, 'token_revoked');
  });
}

/**
 * The token the create form just made, for the account page to show once: only if the sealed
 * cookie opens and holds a live token of the signed-in user (a tampered, replayed-after-revoke or
 * another user's cookie shows nothing).
 */
export async function revealedApiToken(request: FastifyRequest, reply: FastifyReply, deps: AccountPageDeps): Promise<AccountPageExtras> {
  const user = request.user;
  if (!user) return {};
  const token = takeRevealed(request, reply, deps.reveals, ACCOUNT_PAGE);
  const summary = token === undefined ? undefined : await deps.apiTokens.findOwnSummary(user.id, token);
  return summary && token !== undefined ? { created: { name: summary.name, token } } : {};
}

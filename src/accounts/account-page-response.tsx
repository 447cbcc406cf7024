import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalog.js';
import type { ApiTokensSectionProps } from '../views/components/api-tokens-section.js';
import { AccountPage } from '../views/pages/account-page.js';
import { sendPage, viewContextFor } from '../web/pages.js';
import type { ApiTokenService } from './api-tokens/api-token-service.js';
import type { SessionService } from './sessions/session-service.js';
import type { StorageUsage } from '../quotas/quota-service.js';
import { summarizeSessions } from './sessions/session-summary.js';

export interface AccountPageDeps {
  readonly sessions: SessionService;
  readonly apiTokens: ApiTokenService;
  /** What the user's photos take and their storage quota (quotas/quota-service). */
  readonly storageUsage?: (userId: string) => Promise<StorageUsage>;
}

/** What a form post adds to the account page: a token shown once, or the create form's errors. */
export type AccountPageExtras = Pick<ApiTokensSectionProps, 'created' | 'errors' | 'name'>;

// Enough for any person's tokens; the JSON API pages through more.
const LISTED_TOKENS = 200;

/** Renders `/accounts/` for the signed-in user: sessions and API tokens. */
export async function sendAccountPage(request: FastifyRequest, reply: FastifyReply, deps: AccountPageDeps, extras: AccountPageExtras = {}, status = 200) {
  const user = request.user;
  if (!user) throw new AppError('unauthenticated');
  const [sessionRows, tokens, storage] = await Promise.all([deps.sessions.list(user.id), deps.apiTokens.list(user.id, LISTED_TOKENS), deps.storageUsage?.(user.id)]);
  const sessions = summarizeSessions(sessionRows, request.session?.idHash);
  const page = <AccountPage context={viewContextFor(request, reply)} email={user.email} sessions={sessions} apiTokens={{ tokens, ...extras }} storage={storage} />;
  return sendPage(reply, page, status);
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiTokenService } from '../accounts/api-tokens/api-token-service.js';
import { AppError } from '../errors/catalog.js';
import { isApiRequest } from './api-path.js';
import { requestHook } from '../web/hooks.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The id of the API token this request authenticated with; null for a session or no one. */
    apiTokenId: string | null;
  }
}

// RFC 6750 2.1: `Bearer` (scheme case-insensitive, RFC 9110 11.1) then the token.
const BEARER = /^Bearer +([^\s]+) *$/i;
// RFC 6750 3 and 3.1.
const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

export interface BearerAuthenticationOptions {
  /** Called for every refused token, to emit the security event (metrics and logs). */
  readonly onReject?: (request: FastifyRequest) => void;
}

/**
 * Bearer authentication with personal API tokens, for `/api/` only (pages use the session).
 * Register it after the session hook and before the login-required hook. When an Authorization
 * header is present it is the only credential considered: a malformed, unknown or revoked token
 * is a 401 with `WWW-Authenticate: Bearer error="invalid_token"`, never a fall-back to the cookie.
 */
export function registerBearerAuthentication(app: FastifyInstance, tokens: Pick<ApiTokenService, 'authenticate'>, options: BearerAuthenticationOptions = {}): void {
  app.decorateRequest('apiTokenId', null);
  const authenticate = async (request: FastifyRequest, reply: FastifyReply, header: string): Promise<void> => {
    request.user = null;
    request.session = null;
    const token = BEARER.exec(header)?.[1];
    const found = token === undefined ? null : await tokens.authenticate(token);
    if (!found) {
      options.onReject?.(request);
      reply.header('www-authenticate', INVALID_TOKEN_CHALLENGE);
      throw new AppError('invalid_token');
    }
    request.user = found.user;
    request.apiTokenId = found.tokenId;
    // CSRF protects credentials a browser attaches by itself (cookies). A Bearer token is sent only
    // by code that holds it, never ambiently, so a cross-site page cannot forge such a request
    // (OWASP CSRF Prevention cheat sheet); the CSRF check is waived for this request only.
    request.csrfExempt = true;
  };
  app.addHook(
    'onRequest',
    requestHook((request, reply) => {
      const header = request.headers.authorization;
      if (header === undefined || !isApiRequest(request)) return;
      return authenticate(request, reply, header);
    }),
  );
}

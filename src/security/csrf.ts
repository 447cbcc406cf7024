import CsrfTokens from '@fastify/csrf';
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalog.js';
import { crossOriginReason } from './request-origin.js';
import { requestHook } from '../web/hooks.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const CSRF_COOKIE = 'pv_csrf';
const ANONYMOUS = 'anonymous';

declare module 'fastify' {
  interface FastifyInstance {
    /** Checks a CSRF token read from a streamed multipart body; throws csrf_failed. */
    verifyBodyCsrfToken(request: FastifyRequest, token: string | null): void;
  }
  interface FastifyReply {
    /** A CSRF token for this client, bound to its session, for a form's hidden `_csrf` input. */
    csrfToken(): string;
  }
  interface FastifyRequest {
    /** Set by a route's own authentication (e.g. a Bearer API token) to waive the CSRF check. */
    csrfExempt: boolean;
    /**
     * A multipart request whose token travels in the body: the body is streamed, so the token is
     * checked by verifyMultipartCsrf() on its first field before any file byte is read.
     */
    csrfPendingInBody: boolean;
  }
}

export interface CsrfOptions {
  readonly secretKey: string;
  /** Called for every rejection, to emit the security event (metrics and logs). */
  readonly onReject?: (request: FastifyRequest, reason: string) => void;
}

/**
 * CSRF protection on every state-changing request (OWASP CSRF cheat sheet):
 * 1. an origin check (Fetch Metadata, then Origin, then Referer: see crossOriginReason), then
 * 2. a synchronizer token from the `_csrf` form field or the `X-CSRF-Token` header, verified against
 *    a secret kept in a signed HttpOnly cookie and bound to the session, so a token from another
 *    session, or from before login, fails.
 * Tokens come from @fastify/csrf; the glue is ours because the plugin form of it can neither vary
 * the cookie per request nor route its refusals through our error mapper.
 * Routes opt out only with `config: { csrf: false }`.
 */
export function registerCsrf(app: FastifyInstance, options: CsrfOptions): void {
  const tokens: CsrfTokens.TokensUserinfo = new CsrfTokens.Tokens({ userInfo: true, hmacKey: options.secretKey });

  app.decorateRequest('csrfExempt', false);
  app.decorateReply('csrfToken', function (this: FastifyReply): string {
    let secret = readSecret(this.request);
    if (!secret) {
      secret = tokens.secretSync();
      this.setCookie(CSRF_COOKIE, secret, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: this.request.protocol === 'https',
        signed: true,
      });
      // The token must verify within this same response cycle too (e.g. a re-rendered form).
      this.request.cookies[CSRF_COOKIE] = this.signCookie(secret);
    }
    return tokens.create(secret, bindingFor(this.request));
  });

  // An unmatched route changes nothing and answers 404 whatever the token, so it is not checked.
  const needsCheck = (request: FastifyRequest) =>
    !SAFE_METHODS.has(request.method) && !request.is404 && !request.csrfExempt && request.routeOptions.config?.csrf !== false;
  const refuse = (request: FastifyRequest, reason: string) => {
    options.onReject?.(request, reason);
    return new AppError('csrf_failed');
  };

  // The Origin check needs no body, so it runs before a single body byte is read.
  app.addHook(
    'onRequest',
    requestHook((request) => {
      if (!needsCheck(request)) return;
      const reason = checkOrigin(request);
      if (reason) throw refuse(request, reason);
    }),
  );
  app.addHook(
    'preHandler',
    requestHook((request) => {
      if (!needsCheck(request)) return;
      // Only routes that read their body through receiveUpload() (which verifies the token first)
      // may defer; anywhere else a multipart body without the header token is refused here.
      const multipart = /^multipart\/form-data/i.test(request.headers['content-type'] ?? '');
      if (multipart && request.routeOptions.config?.multipartUpload === true && tokenFrom(request) === null) {
        request.csrfPendingInBody = true;
        return;
      }
      const reason = checkToken(tokens, request, tokenFrom(request));
      if (reason) throw refuse(request, reason);
    }),
  );
  app.decorateRequest('csrfPendingInBody', false);
  app.decorate('verifyBodyCsrfToken', (request: FastifyRequest, token: string | null) => {
    const reason = checkToken(tokens, request, token);
    if (reason) throw refuse(request, reason);
    request.csrfPendingInBody = false;
  });
}

function readSecret(request: FastifyRequest): string | null {
  const raw = request.cookies[CSRF_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : null;
}

function bindingFor(request: FastifyRequest): string {
  return request.session?.idHash ?? ANONYMOUS;
}

function checkToken(tokens: CsrfTokens.TokensUserinfo, request: FastifyRequest, token: string | null): string | null {
  const secret = readSecret(request);
  if (!secret) return 'missing or forged CSRF cookie';
  if (!token) return 'missing CSRF token';
  return tokens.verify(secret, token, bindingFor(request)) ? null : 'invalid CSRF token';
}

function tokenFrom(request: FastifyRequest): string | null {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string' && header !== '') return header;
  const body = request.body;
  if (body && typeof body === 'object' && '_csrf' in body) {
    const field = (body as Record<string, unknown>)['_csrf'];
    if (typeof field === 'string' && field !== '') return field;
  }
  return null;
}

/** Returns why the request did not come from a page of this origin, or null when it did. */
function checkOrigin(request: FastifyRequest): string | null {
  return crossOriginReason({
    expectedOrigin: `${request.protocol}://${request.host}`,
    origin: oneHeader(request.headers.origin),
    referer: oneHeader(request.headers.referer),
    secFetchSite: oneHeader(request.headers['sec-fetch-site']),
    https: request.protocol === 'https',
  });
}

// A repeated header arrives as an array (or comma-joined): never one of the values we accept.
function oneHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

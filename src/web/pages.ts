import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JSX } from 'preact';
import { renderDocument } from '../views/render.js';
import type { ViewContext } from '../views/view-context.js';
import { takeNotice } from './notices.js';

/**
 * The layout's view of this request: the signed-in user and a CSRF token for the page's forms.
 * The token is made when a form first reads it, so a page without a form (the anonymous landing
 * page) costs no CSRF secret, no HMAC and no Set-Cookie; every form on a page shares one token.
 */
export function viewContextFor(request: FastifyRequest, reply: FastifyReply): ViewContext {
  let csrfToken: string | undefined;
  const notice = takeNotice(request, reply);
  return {
    user: request.user ? { username: request.user.username } : null,
    get csrfToken() {
      csrfToken ??= reply.csrfToken();
      return csrfToken;
    },
    requestId: request.id,
    notice: notice?.text,
    noticeLink: notice?.link,
  };
}

/** Sends a rendered page as UTF-8 HTML with the given status. */
export function sendPage(reply: FastifyReply, page: JSX.Element, status = 200): FastifyReply {
  return sendHtml(reply, renderDocument(page), status);
}

/** Sends a page already rendered to HTML (a string, or UTF-8 bytes from a PageTemplateCache). */
export function sendHtml(reply: FastifyReply, html: string | Buffer, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(html);
}

/** Whether the client wants a problem document rather than an HTML page. */
export function wantsJson(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  if (path === '/api' || path.startsWith('/api/')) return true;
  const accept = request.headers.accept ?? '';
  return /\bapplication\/(problem\+)?json\b/.test(accept) && !/\btext\/html\b/.test(accept);
}

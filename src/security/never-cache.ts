import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { headersOnSend } from '../web/hooks.js';

// Django's never_cache / add_never_cache_headers value.
export const NEVER_CACHE_VALUE = 'max-age=0, no-cache, no-store, must-revalidate, private';

/**
 * Adds never-cache headers to every private page, to every path under one of `prefixes`, and to
 * any route that asks for it; a route's explicit `neverCache: false` wins over the prefix policy
 * (but never over an error answer, which is always never-cached).
 */
export function registerNeverCache(app: FastifyInstance, prefixes: readonly string[]): void {
  app.addHook(
    'onSend',
    headersOnSend((request, reply) => {
      if (shouldNeverCache(request, reply, prefixes)) applyNeverCache(reply);
    }),
  );
}

function shouldNeverCache(request: FastifyRequest, reply: FastifyReply, prefixes: readonly string[]): boolean {
  // Error answers carry the layout (signed-in user, CSRF token): never cached, whatever the route says.
  if (reply.statusCode >= 400) return true;
  const explicit = request.routeOptions.config?.neverCache;
  if (explicit !== undefined && !request.is404) return explicit;
  if (request.user !== null) return true;
  if (request.routeOptions.config?.public !== true && !request.is404) return true;
  // The router decodes the path ("/%70hotos/" reaches the "/photos/" routes), so the prefix is
  // checked against the raw path, its decoded form and the matched route's pattern.
  const raw = request.url.split('?', 1)[0] ?? '';
  const paths = [raw, safeDecode(raw), request.routeOptions.url ?? ''];
  return prefixes.some((prefix) => paths.some((path) => path.startsWith(prefix)));
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function applyNeverCache(reply: FastifyReply): void {
  reply.header('cache-control', NEVER_CACHE_VALUE);
  reply.header('expires', 'Thu, 01 Jan 1970 00:00:00 GMT');
  reply.header('pragma', 'no-cache');
}

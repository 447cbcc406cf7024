import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// Django's never_cache / add_never_cache_headers value.
export const NEVER_CACHE_VALUE = 'max-age=0, no-cache, no-store, must-revalidate, private';

/**
 * Adds never-cache headers to every private page, to every path under one of `prefixes`, and to
 * any route that asks for it; a route's explicit `neverCache: false` wins over the prefix policy.
 */
export function registerNeverCache(app: FastifyInstance, prefixes: readonly string[]): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (shouldNeverCache(request, reply, prefixes)) applyNeverCache(reply);
    return payload;
  });
}

function shouldNeverCache(request: FastifyRequest, reply: FastifyReply, prefixes: readonly string[]): boolean {
  const explicit = request.routeOptions.config?.neverCache;
  if (explicit !== undefined && !request.is404) return explicit;
  if (request.user !== null) return true;
  if (request.routeOptions.config?.public !== true && !request.is404) return true;
  if (reply.statusCode >= 400) return true;
  const path = request.url.split('?', 1)[0] ?? '';
  return prefixes.some((prefix) => path.startsWith(prefix));
}

export function applyNeverCache(reply: FastifyReply): void {
  reply.header('cache-control', NEVER_CACHE_VALUE);
  reply.header('expires', 'Thu, 01 Jan 1970 00:00:00 GMT');
  reply.header('pragma', 'no-cache');
}

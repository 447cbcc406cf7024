import type { FastifyRequest } from 'fastify';

/**
 * Whether a request is for the JSON API. The matched route's pattern is preferred over the raw
 * URL, so an encoded spelling of a path (`/%61pi/…`) cannot get a different answer than the router.
 */
export function isApiRequest(request: FastifyRequest): boolean {
  const path = request.routeOptions.url ?? request.url.split('?', 1)[0] ?? '';
  return path === '/api' || path.startsWith('/api/');
}

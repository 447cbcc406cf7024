import type { FastifyInstance } from 'fastify';
import { ownerShareRoutes, type ShareRoutesDeps } from './owner-routes.js';
import { publicShareRoutes } from './public-routes.js';

/** Share links: the owner's forms under /photos/<id>/shares/ and the public pages under /s/. */
export async function shareRoutes(app: FastifyInstance, deps: ShareRoutesDeps): Promise<void> {
  await app.register(ownerShareRoutes, deps);
  await app.register(publicShareRoutes, deps);
}

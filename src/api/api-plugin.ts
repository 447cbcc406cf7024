import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/**
 * A plugin of `/api/` routes, with TypeBox schemas typing its handlers. Registered through
 * `apiRoutes` (its `features` option), its routes are validated and appear in `/openapi.json`.
 */
export type ApiPlugin = FastifyPluginAsyncTypebox;

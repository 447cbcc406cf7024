import fastifySwagger from '@fastify/swagger';
import { registerAjvFormats, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiTokenService } from '../accounts/api-tokens/api-token-service.js';
import type { ApiPlugin } from './api-plugin.js';
import { docsUi } from './docs-ui.js';
import { openapiOptions } from './openapi.js';
import { ProblemSchema } from './schemas/problem.js';
import { strictValidatorCompiler } from './strict-validator.js';
import { csrfTokenRoutes } from './v1/csrf-token-routes.js';
import { meRoutes } from './v1/me-routes.js';
import { tokenRoutes } from './v1/token-routes.js';
import { headersOnSend } from '../web/hooks.js';

export interface ApiRoutesOptions {
  readonly apiTokens: ApiTokenService;
  /** Further `/api/` plugins (e.g. photos): registered here, they are validated and documented. */
  readonly features?: readonly ApiPlugin[];
}

// RFC 6750 3: a 401 from the API names the scheme that would have worked.
const CHALLENGE = 'Bearer realm="photovault"';

/**
 * The JSON API under `/api/`: TypeBox schemas validate requests and serialize responses, and the
 * same schemas make the OpenAPI 3.1 document at `/openapi.json` and the docs at `/api/docs`.
 * Bearer authentication is registered separately (src/api/bearer-auth.ts) because it must run
 * between the session and login-required hooks of the root context.
 */
export async function apiRoutes(app: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  registerAjvFormats();
  api.setValidatorCompiler(strictValidatorCompiler);
  // JSON bodies only: an HTML form (urlencoded or text/plain, the cross-site "simple" requests)
  // cannot even reach an API handler (415), whatever its CSRF token.
  api.removeContentTypeParser(['application/x-www-form-urlencoded', 'text/plain']);
  api.addSchema(ProblemSchema);
  api.addHook(
    'onSend',
    headersOnSend((_request, reply) => {
      if (reply.statusCode === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', CHALLENGE);
    }),
  );

  await api.register(fastifySwagger, openapiOptions());
  api.get('/openapi.json', { schema: { hide: true }, config: { public: true } }, async () => api.swagger());
  await api.register(docsUi);

  await api.register(meRoutes);
  await api.register(csrfTokenRoutes);
  await api.register(tokenRoutes(options.apiTokens));
  for (const feature of options.features ?? []) await api.register(feature);
}

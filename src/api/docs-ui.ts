import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const DOCS_PREFIX = '/api/docs';

/**
 * The interactive API documentation (Swagger UI) at `/api/docs`, public, under the site's own
 * strict CSP, unchanged: its scripts and styles are static files from 'self', it needs no eval and
 * no inline script. Only its top bar needed more: an inline SVG logo carrying a <style> element
 * (style-src-elem) and a box to load any other document URL. BaseLayout leaves that bar out, so no
 * CSP exception is needed at all (test/api/docs-page.test.ts checks this in Chromium).
 */
export async function docsUi(app: FastifyInstance): Promise<void> {
  // This encapsulated context says, for the docs' own routes only, that they are public, and that
  // its static files (the same for everyone) may be cached despite the /api/ never-cache prefix.
  app.addHook('onRoute', (route) => {
    const isStatic = route.url.startsWith(`${DOCS_PREFIX}/static/`);
    route.config = { ...(route.config ?? {}), public: true, ...(isStatic ? { neverCache: false } : {}) };
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiConfig: { layout: 'BaseLayout', deepLinking: true },
    theme: { title: 'photovault API' },
  });
}

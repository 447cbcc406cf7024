import type { FastifyInstance } from 'fastify';
import { PageTemplateCache } from '../views/page-template-cache.js';
import { LandingPage } from '../views/pages/landing-page.js';
import { readQueryParam } from './forms.js';
import { sendHtml, viewContextFor } from './pages.js';

const NAME_MAX = 100;

export async function landingRoutes(app: FastifyInstance): Promise<void> {
  // Two templates per signed-in user (and two for visitors): with and without a greeting.
  const landingPages = new PageTemplateCache(256);

  // The greeting shows `name` as text: it is data for the escaping renderer, never a template
  // (the template cache escapes it exactly as preact would, into a slot of the rendered page).
  app.get('/', { config: { public: true, neverCache: true } }, async (request, reply) => {
    const name = readQueryParam(request.query, 'name');
    const context = viewContextFor(request, reply);
    if (name === null) return sendHtml(reply, landingPages.render('welcome', context, (pageContext) => <LandingPage context={pageContext} name={null} />));
    const greeting = [...name].slice(0, NAME_MAX).join('');
    return sendHtml(reply, landingPages.render('greeting', context, (pageContext, text) => <LandingPage context={pageContext} name={text('name')} />, { name: greeting }));
  });
}

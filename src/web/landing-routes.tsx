import type { FastifyInstance } from 'fastify';
import { LandingPage } from '../views/pages/landing-page.js';
import { readQueryParam } from './forms.js';
import { sendPage, viewContextFor } from './pages.js';

const NAME_MAX = 100;

export async function landingRoutes(app: FastifyInstance): Promise<void> {
  // The greeting shows `name` as text: it is data for the escaping renderer, never a template.
  app.get('/', { config: { public: true, neverCache: true } }, async (request, reply) => {
    const name = readQueryParam(request.query, 'name');
    return sendPage(reply, <LandingPage context={viewContextFor(request, reply)} name={name === null ? null : [...name].slice(0, NAME_MAX).join('')} />);
  });
}

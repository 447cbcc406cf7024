import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

// public/ sits at the repository root, two levels above both src/web and dist/web.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PUBLIC_DIR = path.join(ROOT, 'public');
// Browser modules served straight from their npm packages (pinned by the lockfile), not copied.
const VENDOR_DIR = path.join(ROOT, 'node_modules', 'thumbhash');

/** CSS, scripts and images of the pages: public, cacheable, no directory listing, no dotfiles. */
export async function staticFiles(app: FastifyInstance): Promise<void> {
  // This encapsulated context says, for its own routes only, that they are public and cacheable.
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config ?? {}), public: true, neverCache: false };
  });
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/static/',
    index: false,
    list: false,
    dotfiles: 'deny',
    maxAge: '1h',
    cacheControl: true,
    serveDotFiles: false,
  });
  // Browsers ask for /favicon.ico on their own; the pages also name /static/favicon.svg.
  app.get('/favicon.ico', (_request, reply) => reply.sendFile('favicon.ico', { maxAge: '1d' }));
  await app.register(fastifyStatic, {
    root: VENDOR_DIR,
    prefix: '/static/vendor/thumbhash/',
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    maxAge: '1h',
    allowedPath: (pathName) => pathName === '/thumbhash.js',
  });
}

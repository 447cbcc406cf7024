import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

// public/ sits at the repository root, two levels above both src/web and dist/web.
const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../public');

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
}

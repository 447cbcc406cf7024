import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

// public/ sits at the repository root, two levels above both src/web and dist/web.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PUBLIC_DIR = path.join(ROOT, 'public');
// Browser modules served straight from their npm packages (pinned by the lockfile), not copied.
const VENDOR_DIR = path.join(ROOT, 'node_modules', 'thumbhash');
// @simplewebauthn/browser's ES modules (index.js and the files it imports), for the passkey ceremonies.
const WEBAUTHN_DIR = path.join(ROOT, 'node_modules', '@simplewebauthn', 'browser', 'esm');

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
  await app.register(fastifyStatic, {
    root: WEBAUTHN_DIR,
    prefix: '/static/vendor/simplewebauthn/',
    decorateReply: false,
    index: false,
    list: false,
    dotfiles: 'deny',
    maxAge: '1h',
    // Only its JavaScript modules, not the type declarations and source maps beside them.
    allowedPath: (pathName) => /^[/A-Za-z0-9]+\.js$/.test(pathName),
  });
}

import { readFileSync } from 'node:fs';
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { SECURITY_SCHEMES } from './security.js';

// package.json sits at the repository root, two levels above both src/api and dist/api.
// eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed path: our own package.json
const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const DESCRIPTION = [
  'The JSON API of photovault. Authenticate with a personal API token (`Authorization: Bearer pv_…`)',
  'or, from a browser, with the session cookie plus the `X-CSRF-Token` header on unsafe methods.',
  'Errors are RFC 9457 problem documents (`application/problem+json`).',
].join(' ');

/** @fastify/swagger options: an OpenAPI 3.1 document of the routes under `/api/` only. */
export function openapiOptions(): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'photovault', version: PACKAGE.version, description: DESCRIPTION },
      servers: [{ url: '/' }],
      components: { securitySchemes: SECURITY_SCHEMES },
      tags: [
        { name: 'account', description: 'The signed-in user.' },
        { name: 'tokens', description: 'Personal API tokens.' },
      ],
    },
    // Shared schemas are listed under their own `$id` in components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // Pages, the document itself and anything else outside /api/ never appear in it.
    transform: ({ schema, url }) => ({ schema: url.startsWith('/api/') ? schema : { ...schema, hide: true }, url }),
  };
}

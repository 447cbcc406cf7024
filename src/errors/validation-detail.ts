import type { FastifySchemaValidationError } from 'fastify';

const MAX_FIELDS = 5;
const MAX_PATH = 64;
const MAX_MESSAGE = 120;

const LOCATIONS: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/**
 * A short account of which fields failed schema validation, for a 400 problem document.
 * Names the field and the rule broken, never the value sent (OWASP Error Handling: no input
 * echoed back), and stays short however large the input was.
 */
export function describeValidationErrors(errors: readonly FastifySchemaValidationError[], context: string | undefined): string {
  const location = LOCATIONS[context ?? ''] ?? 'request';
  const byPath = new Map<string, string>();
  for (const error of errors) {
    // "schema is false" repeats an additionalProperties error, and its path is a name the client made up.
    if (error.keyword === 'boolean') continue;
    const path = clip(error.instancePath ?? '', MAX_PATH);
    byPath.delete(path);
    byPath.set(path, clip(error.message ?? 'is not valid', MAX_MESSAGE));
  }
  const parts = [...byPath].slice(-MAX_FIELDS).map(([path, message]) => `${location}${path} ${message}`);
  return parts.length === 0 ? 'Some of the input is not valid.' : `Invalid input: ${parts.join('; ')}.`;
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

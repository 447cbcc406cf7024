import fc from 'fast-check';
import type { Operation } from '../fuzz/openapi.js';
import { friendlyValue, validArbitrary } from '../fuzz/schema-arbitrary.js';
import { DocumentValidator } from '../fuzz/validator.js';
import type { HttpRequest, HttpSession } from '../lib/http.js';
import { csrfTokenIn } from '../lib/html.js';
import { multipartBody } from '../lib/photovault.js';
import type { ScanContext } from './context.js';

export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function sample(context: ScanContext, schema: Record<string, unknown>, validator: DocumentValidator): unknown {
  if (!context.doc) return null;
  const plain = friendlyValue(context.doc, schema);
  if (plain !== undefined && validator.checkSchema(schema, plain) === null) return plain;
  const [value] = fc.sample(validArbitrary(context.doc, schema).filter((v) => validator.checkSchema(schema, v) === null), { seed: 42, numRuns: 1 });
  return value;
}

/**
 * A well-formed request to `op`: schema-valid path parameters (or `ids` where they fit) and a
 * valid body, so what decides the answer is the credential, not input validation.
 */
export function apiRequest(context: ScanContext, op: Operation, ids: readonly string[] = []): HttpRequest {
  if (!context.doc) throw new Error('no API document');
  const validator = new DocumentValidator(context.doc);
  let path = op.path;
  for (const p of op.parameters.filter((q) => q.in === 'path')) {
    const fits = ids.find((id) => validator.checkParameters([{ ...p, required: true }], { [p.name]: id }) === null);
    const sampled = fits ?? sample(context, p.schema, validator);
    const value = typeof sampled === 'string' ? sampled : (JSON.stringify(sampled) ?? 'x');
    path = path.replace(`{${p.name}}`, encodeURIComponent(value));
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  const content = op.body?.content ?? {};
  if (content['application/json']?.schema) {
    headers['content-type'] = 'application/json';
    return { method: op.method, path, headers, body: JSON.stringify(sample(context, content['application/json'].schema, validator)) };
  }
  if (content['multipart/form-data']) {
    const file = context.options.sampleFile ?? Buffer.from('scan');
    const { body, contentType } = multipartBody([{ name: 'image', value: file, filename: 'scan.jpg', contentType: 'image/jpeg' }]);
    headers['content-type'] = contentType;
    return { method: op.method, path, headers, body };
  }
  return { method: op.method, path, headers };
}

/** The session's CSRF token for API calls: from the API's csrf-token operation, else from a page. */
export async function csrfHeaderFor(context: ScanContext, session: HttpSession): Promise<string> {
  const op = context.api.find((o) => o.method === 'GET' && /csrf/i.test(o.path));
  if (op) {
    const response = await session.get(op.path, { accept: 'application/json' });
    try {
      const token = (JSON.parse(response.body) as { token?: unknown }).token;
      if (typeof token === 'string') return token;
    } catch {
      // fall back to a page's token
    }
  }
  return csrfTokenIn((await session.get(context.options.authCheckPath ?? '/')).body) ?? '';
}

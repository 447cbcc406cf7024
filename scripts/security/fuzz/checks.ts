// The response checks Schemathesis runs, for one request/response pair.
import type { HttpResponse } from '../lib/http.js';
import { documentedResponse, escapePointer, isJsonMediaType, matchMediaType, type Operation } from './openapi.js';
import type { DocumentValidator } from './validator.js';

export type CheckName =
  | 'not_a_server_error'
  | 'status_code_conformance'
  | 'content_type_conformance'
  | 'response_schema_conformance'
  | 'negative_data_rejection'
  | 'ignored_auth';

export interface CheckFailure {
  readonly check: CheckName;
  readonly message: string;
}

export interface CheckContext {
  /** Why the request is invalid (a negative case), or null for a valid request. */
  readonly negative: string | null;
  /** The request carried no credentials. */
  readonly anonymous: boolean;
}

export function checkResponse(op: Operation, response: HttpResponse, context: CheckContext, validator: DocumentValidator): CheckFailure[] {
  const failures: CheckFailure[] = [];
  if (response.status >= 500) failures.push({ check: 'not_a_server_error', message: `HTTP ${response.status}` });
  const documented = documentedResponse(op, response.status);
  if (!documented) {
    failures.push({ check: 'status_code_conformance', message: `HTTP ${response.status} is not documented (documented: ${Object.keys(op.responses).join(', ')})` });
  } else {
    failures.push(...checkBody(op, documented.key, documented.content, response, validator));
  }
  if (context.negative !== null && response.status >= 200 && response.status < 300) {
    failures.push({ check: 'negative_data_rejection', message: `invalid request accepted with HTTP ${response.status}: ${context.negative}` });
  }
  const needsAuth = op.security.length > 0 && !op.security.some((requirement) => Object.keys(requirement).length === 0);
  if (context.anonymous && needsAuth && response.status >= 200 && response.status < 300) {
    failures.push({ check: 'ignored_auth', message: `an operation requiring ${op.security.map((r) => Object.keys(r).join('+')).join(' or ')} answered HTTP ${response.status} without credentials` });
  }
  return failures;
}

function checkBody(op: Operation, key: string, content: Operation['responses'][string]['content'], response: HttpResponse, validator: DocumentValidator): CheckFailure[] {
  const mediaTypes = Object.keys(content ?? {});
  const contentType = response.headers['content-type'] ?? '';
  if (mediaTypes.length === 0) {
    return response.bytes.length > 0 ? [{ check: 'content_type_conformance', message: `HTTP ${response.status} is documented without a body, got ${response.bytes.length} bytes of ${contentType || 'no content type'}` }] : [];
  }
  const matched = matchMediaType(contentType, mediaTypes);
  if (matched === null) {
    return [{ check: 'content_type_conformance', message: `Content-Type ${contentType ? JSON.stringify(contentType) : 'missing'} is not documented for HTTP ${key} (documented: ${mediaTypes.join(', ')})` }];
  }
  if (!isJsonMediaType(matched) || !content?.[matched]?.schema) return [];
  let value: unknown;
  try {
    value = JSON.parse(response.body);
  } catch {
    return [{ check: 'response_schema_conformance', message: `body is not JSON although Content-Type is ${contentType}` }];
  }
  const pointer = `${op.pointer}/responses/${escapePointer(key)}/content/${escapePointer(matched)}/schema`;
  const errors = validator.check(pointer, value);
  return errors === null ? [] : [{ check: 'response_schema_conformance', message: `body does not match the HTTP ${key} schema: ${errors}` }];
}

import { Type, type TSchema } from 'typebox';
import { ERROR_CATALOG, type ErrorCode } from '../../errors/catalog.js';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** An RFC 9457 problem document, exactly as the error mapper (src/errors/error-handler.ts) writes it. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'Problem type URI (RFC 9457); `about:blank`: the status code says it all.' }),
    title: Type.String({ description: 'Short summary of the problem type.' }),
    status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code.' }),
    detail: Type.String({ description: 'What went wrong with this request, safe to show to a person.' }),
    code: Type.Enum(Object.keys(ERROR_CATALOG) as ErrorCode[], { description: 'Stable machine-readable error code from the error catalog.' }),
    request_id: Type.String({ description: 'The request id, also in the server logs and the X-Request-Id header.' }),
  },
  { $id: 'Problem', title: 'Problem', additionalProperties: false },
);

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503 | 507;

const DESCRIPTIONS: Record<ProblemStatus, string> = {
  400: 'The request is malformed or fails validation; `detail` names the fields.',
  401: 'No valid credentials: sign in, or send a valid `Authorization: Bearer` API token (a bad token also gets `WWW-Authenticate: Bearer error="invalid_token"`).',
  403: 'Refused: a cookie-session request without a valid `X-CSRF-Token` header or from another origin, or an operation this credential may not perform.',
  404: 'There is no such resource, or it belongs to someone else.',
  409: 'The request conflicts with the current state of the resource.',
  413: 'The request body is too large.',
  415: 'The request body is not in a media type this operation accepts.',
  422: 'The request is well-formed but cannot be processed.',
  429: 'Too many requests; retry after the number of seconds in `Retry-After`.',
  503: 'The service is not ready; retry shortly.',
  507: 'The server is out of storage space; nothing was saved. Retry later.',
};

// A reference to the shared schema, so the OpenAPI document lists it once under components.
const PROBLEM_REF = { $ref: 'Problem#' } as const;

/**
 * Response entries documenting problem documents for the given statuses, for a route's
 * `schema.response`: `response: { 200: Thing, ...problemResponses(400, 401, 404) }`.
 */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]): Record<S, { description: string; content: Record<string, { schema: TSchema }> }> {
  const out = {} as Record<S, { description: string; content: Record<string, { schema: TSchema }> }>;
  for (const status of statuses) {
    out[status] = { description: DESCRIPTIONS[status], content: { [PROBLEM_MEDIA_TYPE]: { schema: PROBLEM_REF } } };
  }
  return out;
}

/** The problem statuses every authenticated API operation can answer with. */
export const COMMON_PROBLEMS = [401, 429] as const;

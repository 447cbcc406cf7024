/**
 * The one catalog of errors a client can see: a stable code, an HTTP status and a safe message.
 * Anything not in here reaches clients only as `internal_error`.
 */
export const ERROR_CATALOG = {
  bad_request: { status: 400, title: 'Bad request', message: 'The request could not be understood.' },
  validation_failed: { status: 400, title: 'Invalid input', message: 'Some of the input is not valid.' },
  unauthenticated: { status: 401, title: 'Authentication required', message: 'Sign in to continue.' },
  invalid_token: { status: 401, title: 'Invalid token', message: 'The API token is malformed, unknown or revoked.' },
  csrf_failed: {
    status: 403,
    title: 'Request refused',
    message: 'This form has expired or did not come from this site. Go back, reload the page and try again.',
  },
  forbidden: { status: 403, title: 'Forbidden', message: 'You are not allowed to do that.' },
  not_found: { status: 404, title: 'Not found', message: 'There is nothing here.' },
  method_not_allowed: { status: 405, title: 'Method not allowed', message: 'This address does not accept that method.' },
  not_acceptable: { status: 406, title: 'Not acceptable', message: 'No representation matches the Accept header.' },
  conflict: { status: 409, title: 'Conflict', message: 'The request conflicts with the current state of the resource.' },
  payload_too_large: { status: 413, title: 'Too large', message: 'The request body is too large.' },
  uri_too_long: { status: 414, title: 'Address too long', message: 'The address is too long.' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type', message: 'That content type is not accepted here.' },
  too_many_requests: { status: 429, title: 'Too many requests', message: 'Too many attempts. Try again later.' },
  header_fields_too_large: { status: 431, title: 'Headers too large', message: 'The request headers are too large.' },
  internal_error: {
    status: 500,
    title: 'Server error',
    message: 'Something went wrong on our side. The error has been logged; quote the request id if you report it.',
  },
  service_unavailable: { status: 503, title: 'Unavailable', message: 'The service is not ready. Try again shortly.' },
  // A full (or failing) disk is neither the client's fault (4xx) nor a bug (500): RFC 4918 11.5's
  // 507 says the server cannot store what the request needs, which a client may retry later.
  insufficient_storage: {
    status: 507,
    title: 'Insufficient storage',
    message: 'The server is out of storage space, so your upload was not saved. Try again later; the error has been logged.',
  },
} as const satisfies Record<string, { status: number; title: string; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface AppErrorOptions {
  /** A safe, specific message for the client; defaults to the catalog's message. */
  detail?: string;
  /** Seconds, for 429 and 503 answers. */
  retryAfterSeconds?: number;
  /** Allowed methods, for 405 answers. */
  allow?: readonly string[];
  cause?: unknown;
}

/** An error whose code, status and message are safe to show to the client. */
export class AppError extends Error {
  readonly status: number;
  readonly detail: string;
  readonly retryAfterSeconds: number | undefined;
  readonly allow: readonly string[] | undefined;

  constructor(
    readonly code: ErrorCode,
    options: AppErrorOptions = {},
  ) {
    super(options.detail ?? ERROR_CATALOG[code].message, { cause: options.cause });
    this.name = 'AppError';
    this.status = ERROR_CATALOG[code].status;
    this.detail = options.detail ?? ERROR_CATALOG[code].message;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.allow = options.allow;
  }
}

/** The catalog code for an HTTP status that did not come from an AppError (framework and plugin errors). */
export function codeForStatus(status: number): ErrorCode {
  const found = (Object.keys(ERROR_CATALOG) as ErrorCode[]).find((code) => ERROR_CATALOG[code].status === status);
  if (found) return found;
  return status >= 400 && status < 500 ? 'bad_request' : 'internal_error';
}

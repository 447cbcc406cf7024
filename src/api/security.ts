/** How API clients authenticate, as OpenAPI security schemes. */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'A personal API token (`pv_…`) created on the account page or with `POST /api/v1/tokens`.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'pv_session',
    description: 'The browser session of a signed-in user (named `__Host-pv_session` over HTTPS).',
  },
  csrfHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRF-Token',
    description: 'With a session cookie, unsafe methods need this header; get its value from `GET /api/v1/csrf-token`.',
  },
} as const;

export type SecurityRequirements = ReadonlyArray<Readonly<Record<string, readonly string[]>>>;

/** Safe methods: a Bearer token or a session cookie. */
export const READ_SECURITY: SecurityRequirements = [{ bearerAuth: [] }, { sessionCookie: [] }];
/** Unsafe methods: a Bearer token, or a session cookie together with the CSRF header. */
export const WRITE_SECURITY: SecurityRequirements = [{ bearerAuth: [] }, { sessionCookie: [], csrfHeader: [] }];
/** Operations for a signed-in browser session only. */
export const SESSION_READ_SECURITY: SecurityRequirements = [{ sessionCookie: [] }];
export const SESSION_WRITE_SECURITY: SecurityRequirements = [{ sessionCookie: [], csrfHeader: [] }];

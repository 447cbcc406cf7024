// The shared pieces of the JSON API, for every feature that adds `/api/` routes.
export { apiRoutes, type ApiRoutesOptions } from './api-routes.js';
export type { ApiPlugin } from './api-plugin.js';
export { isApiRequest } from './api-path.js';
export { registerBearerAuthentication, type BearerAuthenticationOptions } from './bearer-auth.js';
export { ResourceIdParams, Timestamp, toTimestamp } from './schemas/common.js';
export { DEFAULT_PER_PAGE, MAX_PER_PAGE, PageQuery, Paginated, pageOf, pageWindow, type PageWindow } from './schemas/pagination.js';
export { COMMON_PROBLEMS, PROBLEM_MEDIA_TYPE, ProblemSchema, problemResponses, type ProblemStatus } from './schemas/problem.js';
export { READ_SECURITY, SECURITY_SCHEMES, type SecurityRequirements, SESSION_READ_SECURITY, SESSION_WRITE_SECURITY, WRITE_SECURITY } from './security.js';

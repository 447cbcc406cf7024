// The one multipart builder lives with the tooling that also uses it (benchmark, DAST).
export { multipartBody, type Part } from '../../scripts/lib/multipart.js';

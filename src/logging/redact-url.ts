import { redactResetToken } from '../accounts/password-reset/reset-token.js';
import { redactShareToken } from '../shares/share-token.js';

export interface RedactedUrl {
  /** The path, with a share link's token masked. */
  readonly path: string;
  /** `key=REDACTED&…` for each query parameter, or undefined when there is no query. */
  readonly query: string | undefined;
}

/**
 * A request target without secrets, for logs and telemetry (OWASP Logging: no credentials or
 * personal data): share links carry their token in the path, and query values may hold personal
 * data (a name, a search), so only the query's keys are kept. Password-reset links carry theirs too.
 */
export function redactUrl(raw: string): RedactedUrl {
  const queryAt = raw.indexOf('?');
  const rawPath = queryAt === -1 ? raw : raw.slice(0, queryAt);
  // The router decodes the path, so `/%73/<token>/` reaches the share routes: the token patterns
  // are matched against the decoded path (which is what is then logged), or they would miss it.
  const path = redactResetToken(redactShareToken(rawPath.includes('%') ? decodedPath(rawPath) : rawPath));
  if (queryAt === -1) return { path, query: undefined };
  const keys = [...new URLSearchParams(raw.slice(queryAt + 1)).keys()];
  return { path, query: keys.map((key) => `${encodeURIComponent(key)}=REDACTED`).join('&') };
}

/** The redacted target as one string: `/path?key=REDACTED`. */
export function redactedLogUrl(raw: string): string {
  const { path, query } = redactUrl(raw);
  return query === undefined ? path : `${path}?${query}`;
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // malformed: the router refuses it (400) before any route runs
  }
}

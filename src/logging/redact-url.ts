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
  // are matched against the decoded path, or they would miss it. What is logged is that redacted
  // path encoded again, so a decoded line separator, bidi override, `?` or `#` never reaches a log.
  const path = rawPath.includes('%') ? encodedForLog(redactTokens(decodedPath(rawPath))) : redactTokens(rawPath);
  if (queryAt === -1) return { path, query: undefined };
  const keys = [...new URLSearchParams(raw.slice(queryAt + 1)).keys()];
  return { path, query: keys.map((key) => `${encodeURIComponent(key)}=REDACTED`).join('&') };
}

/** The redacted target as one string: `/path?key=REDACTED`. */
export function redactedLogUrl(raw: string): string {
  const { path, query } = redactUrl(raw);
  return query === undefined ? path : `${path}?${query}`;
}

function redactTokens(path: string): string {
  return redactResetToken(redactShareToken(path));
}

// Runs of percent escapes, decoded one run at a time: a malformed escape elsewhere in the path
// (`/%73/<token>/%ZZ`, which the router refuses with a 400 but the access log still records) must
// not leave the token's own escapes undecoded, which decoding the whole path at once would.
function decodedPath(path: string): string {
  let out = '';
  let at = 0;
  while (at < path.length) {
    const start = path.indexOf('%', at);
    if (start === -1) return out + path.slice(at);
    let end = start;
    while (end + 2 < path.length && path[end] === '%' && isHex(path.charCodeAt(end + 1)) && isHex(path.charCodeAt(end + 2))) end += 3;
    if (end === start) {
      out += path.slice(at, start + 1);
      at = start + 1;
      continue;
    }
    out += path.slice(at, start) + decodedRun(path.slice(start, end));
    at = end;
  }
  return out;
}

function decodedRun(run: string): string {
  try {
    return decodeURIComponent(run);
  } catch {
    return '\uFFFD'; // not UTF-8: logged as the replacement character (the router refuses it with a 400)
  }
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || ((code | 0x20) >= 97 && (code | 0x20) <= 102);
}

function encodedForLog(path: string): string {
  try {
    // Brackets are printable and spell the mask ([redacted]); encodeURI escapes them.
    return encodeURI(path).replaceAll('%5B', '[').replaceAll('%5D', ']').replace(/[?#]/g, encodeURIComponent);
  } catch {
    return '[unprintable path]'; // a lone surrogate: nothing a router would have served
  }
}

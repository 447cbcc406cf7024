// Checks on responses the scanner already has: security headers, cookie flags, clickjacking,
// caching of private pages and information leaks in bodies.
import { isJsonMediaType } from '../fuzz/openapi.js';
import { isHtml } from '../lib/html.js';
import { parseSetCookie, type Exchange } from '../lib/http.js';
import type { ScanContext } from './context.js';

const STACK_FRAME = /\bat\s[\w$.<>[\] ]{0,200}\(?(?:file:\/\/|\/|[A-Za-z]:\\|node:)[^\s)"']+:\d+:\d+/;
const LEAKS: ReadonlyArray<readonly [RegExp, string]> = [
  [STACK_FRAME, 'a stack trace'],
  [/node_modules[\\/]/, 'a node_modules path'],
  [/\b(?:SqliteError|SQLITE_[A-Z]{3,}|PostgresError|ER_PARSE_ERROR|ORA-\d{5})\b|syntax error at or near|unterminated quoted string|no such (?:table|column):|relation "[^"]+" does not exist/, 'a database error'],
  [/\b(?:TypeError|ReferenceError|RangeError|AssertionError|ERR_[A-Z_]{4,}): /, 'an exception message'],
  [/\b(?:ENOENT|EACCES|EISDIR|ENOTDIR): /, 'a file-system error'],
];

/** What a response body gives away, or null. */
export function leakIn(exchange: Exchange, sensitive: readonly string[]): string | null {
  const type = exchange.response.headers['content-type'] ?? '';
  // Scripts and styles are code: their text may contain such words legitimately.
  if (type && !/^text\/(html|plain)\b/i.test(type) && !isJsonMediaType(type)) return null;
  const body = exchange.response.body;
  for (const [pattern, what] of LEAKS) {
    const match = pattern.exec(body);
    if (match) return `${what}: ${JSON.stringify(match[0].slice(0, 120))}`;
  }
  for (const marker of sensitive) if (marker.length >= 8 && body.includes(marker)) return `a sensitive value (${marker.slice(0, 12)}…)`;
  return null;
}

function cspDirectives(csp: string): Map<string, string> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name = '', ...rest] = d.split(/\s+/);
        return [name.toLowerCase(), rest.join(' ')] as [string, string];
      }),
  );
}

export function frameProtected(headers: Readonly<Record<string, string>>): boolean {
  const xfo = (headers['x-frame-options'] ?? '').toUpperCase();
  const ancestors = cspDirectives(headers['content-security-policy'] ?? '').get('frame-ancestors');
  return xfo === 'DENY' || xfo === 'SAMEORIGIN' || ancestors === "'none'" || ancestors === "'self'";
}

export function checkResponseHeaders(context: ScanContext, exchange: Exchange, label: string): void {
  const { results } = context;
  const { request, response } = exchange;
  const h = response.headers;
  results.check('headers', label, h['x-content-type-options']?.toLowerCase() === 'nosniff', 'X-Content-Type-Options: nosniff missing', request, response.status);
  results.check('headers', label, h['x-powered-by'] === undefined, `X-Powered-By discloses ${JSON.stringify(h['x-powered-by'])}`, request, response.status);
  results.check('headers', label, !/\d/.test(h['server'] ?? ''), `Server header discloses a version: ${JSON.stringify(h['server'])}`, request, response.status);
  if (!isHtml(h)) return;
  results.check('clickjacking', label, frameProtected(h), 'the page can be framed: no X-Frame-Options DENY/SAMEORIGIN and no CSP frame-ancestors', request, response.status);
  const referrer = (h['referrer-policy'] ?? '').toLowerCase();
  results.check('headers', label, referrer !== '' && !/unsafe-url|no-referrer-when-downgrade/.test(referrer), `Referrer-Policy ${referrer || 'missing'}`, request, response.status);
  const csp = h['content-security-policy'];
  if (!results.check('headers', label, csp !== undefined, 'Content-Security-Policy missing on an HTML page', request, response.status) || csp === undefined) return;
  const directives = cspDirectives(csp);
  const scripts = directives.get('script-src') ?? directives.get('default-src') ?? '*';
  const weakScripts = /'unsafe-inline'|'unsafe-eval'|(^|\s)(\*|https?:|data:)(\s|$)/.test(scripts) && !/'nonce-|'sha(256|384|512)-/.test(scripts);
  results.check('headers', label, !weakScripts, `CSP allows injected script: script-src ${scripts}`, request, response.status);
  const objects = directives.get('object-src') ?? directives.get('default-src');
  results.check('headers', label, objects === "'none'", `CSP object-src is not 'none' (${objects ?? 'unset'})`, request, response.status);
  results.check('headers', label, directives.has('base-uri'), 'CSP has no base-uri directive', request, response.status);
}

/** Every Set-Cookie: HttpOnly, SameSite and Path; over HTTPS also Secure and (session cookies) __Host-. */
export function checkCookies(context: ScanContext, exchange: Exchange, label: string, https: boolean): void {
  for (const line of exchange.response.setCookies) {
    const cookie = parseSetCookie(line);
    const target = `${label} Set-Cookie ${cookie.name}`;
    const a = cookie.attributes;
    const request = exchange.request;
    const status = exchange.response.status;
    context.results.check('cookies', target, a.has('httponly'), 'cookie without HttpOnly (readable by injected script)', request, status);
    context.results.check('cookies', target, /^(lax|strict)$/i.test(a.get('samesite') ?? ''), `cookie SameSite=${a.get('samesite') ?? 'unset'} (Lax or Strict expected)`, request, status);
    context.results.check('cookies', target, a.get('path') === '/' || cookie.name.startsWith('__Host-') === false, 'a __Host- cookie must have Path=/', request, status);
    if (https) {
      context.results.check('cookies', target, a.has('secure'), 'cookie set over HTTPS without Secure', request, status);
      if (/sess|auth|sid/i.test(cookie.name)) context.results.check('cookies', target, cookie.name.startsWith('__Host-'), 'session cookie over HTTPS without the __Host- prefix', request, status);
    }
  }
}

export function checkPassive(context: ScanContext): void {
  const private_ = context.options.privatePrefixes ?? [];
  for (const page of context.pages) {
    const label = `${page.exchange.request.method} ${page.path} (${page.as})`;
    checkResponseHeaders(context, page.exchange, label);
    checkCookies(context, page.exchange, label, false);
    // Pages and API answers, not static assets (stylesheets, scripts, images are the same for everyone).
    const type = page.exchange.response.headers['content-type'] ?? '';
    const document = isHtml(page.exchange.response.headers) || isJsonMediaType(type);
    if (document && (page.as === 'owner' || private_.some((p) => page.path.startsWith(p)))) {
      if (page.exchange.response.status === 200) {
        const cache = page.exchange.response.headers['cache-control'] ?? '';
        context.results.check('cache', label, /no-store/i.test(cache), `private page cacheable: Cache-Control ${JSON.stringify(cache)}`, page.exchange.request, page.exchange.response.status);
      }
    }
    const leak = leakIn(page.exchange, context.options.sensitiveMarkers ?? []);
    context.results.check('verbose-errors', label, leak === null, `response reveals ${leak ?? ''}`, page.exchange.request, page.exchange.response.status);
  }
}

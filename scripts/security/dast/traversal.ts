// Path traversal on every file-serving URL (media, static files, share media): encoded and
// double-encoded dot segments, backslashes, overlong UTF-8, NUL, toward files that must stay private.
import type { HttpRequest } from '../lib/http.js';
import type { ScanContext } from './context.js';

const FILE_URL = /\/(media|static|files?|uploads?|assets|download|thumbs?|images?)\/|\.[a-z0-9]{2,5}$/i;

// Each payload replaces the last path segment of a file URL.
export const TRAVERSALS: readonly string[] = [
  '../../../../../../../../etc/passwd',
  '..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
  '%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%252f..%252f..%252f..%252f..%252fetc%252fpasswd',
  '....//....//....//....//....//etc/passwd',
  '..\\..\\..\\..\\..\\..\\etc\\passwd',
  '..%5c..%5c..%5c..%5c..%5cetc%5cpasswd',
  '%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
  '..%00/..%00/etc/passwd',
  '/etc/passwd',
  '%2fetc%2fpasswd',
  '../package.json',
  '../../package.json',
  '../../../package.json',
  '..%2f..%2fpackage.json',
  '..%2f..%2f..%2fpackage.json',
  '../../secret_key',
  '../../../secret_key',
  '..%2f..%2fsecret_key',
  '..%2f..%2f..%2fsecret_key',
  '..%2f..%2fphotovault.sqlite3',
  '..%2f..%2f..%2fphotovault.sqlite3',
];

const PRIVATE_CONTENT: ReadonlyArray<readonly [RegExp, string]> = [
  [/root:[x*]?:0:0:/, '/etc/passwd'],
  [/"devDependencies"\s*:/, 'package.json'],
  [/^SQLite format 3/, 'an SQLite database'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
];

export async function checkTraversal(context: ScanContext): Promise<void> {
  const users = context.options.users;
  const bases = new Map<string, 'anonymous' | 'owner'>();
  for (const page of context.pages) {
    const path = page.path.split('?')[0] ?? page.path;
    if (!FILE_URL.test(path) || page.exchange.response.status >= 400) continue;
    const dir = path.slice(0, path.lastIndexOf('/') + 1);
    if (!bases.has(dir)) bases.set(dir, page.as);
  }
  for (const [dir, as] of bases) {
    const session = as === 'owner' && users ? users.owner.session : context.anonymous;
    for (const payload of TRAVERSALS) {
      const request: HttpRequest = { method: 'GET', path: payload.startsWith('/') ? `${dir.replace(/\/$/, '')}${payload}` : dir + payload };
      let response;
      try {
        response = await session.request(request);
      } catch (error) {
        context.results.check('path-traversal', `GET ${request.path}`, false, `the request broke the connection: ${(error as Error).message}`, request);
        continue;
      }
      const leaked = PRIVATE_CONTENT.find(([pattern]) => pattern.test(response.body))?.[1] ?? (context.options.sensitiveMarkers ?? []).find((m) => m.length >= 8 && response.body.includes(m));
      const problem = response.status >= 500 ? `HTTP ${response.status}` : leaked ? `served ${leaked}` : null;
      context.results.check('path-traversal', `GET ${request.path} (${as})`, problem === null, problem ?? '', request, response.status);
    }
  }
}

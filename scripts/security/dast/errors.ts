// Verbose errors: malformed requests must get a plain 4xx, never a stack trace, SQL text,
// file paths or a 5xx (OWASP Error Handling cheat sheet).
import type { HttpRequest, HttpSession } from '../lib/http.js';
import type { ScanContext } from './context.js';
import { leakIn } from './passive.js';

export async function checkVerboseErrors(context: ScanContext): Promise<void> {
  const users = context.options.users;
  const session: HttpSession = users ? users.owner.session : context.anonymous;
  const firstPost = context.forms.find((f) => f.form.method === 'POST')?.form.action ?? '/';
  const multipartPost = context.forms.find((f) => f.form.enctype.startsWith('multipart/'))?.form.action;
  const jsonOp = context.api.find((o) => o.method !== 'GET' && o.body?.content['application/json']);
  const triggers: HttpRequest[] = [
    { method: 'GET', path: '/%E0%A4%A' },
    { method: 'GET', path: '/%' },
    { method: 'GET', path: '/%C0%AF' },
    { method: 'GET', path: '/no-such-page-7d1f/' },
    { method: 'GET', path: `/${'a'.repeat(9000)}` },
    { method: 'GET', path: '/?name[]=a&name[]=b&name[$gt]=' },
    { method: 'GET', path: '/', headers: { cookie: `pv_session=${'A'.repeat(20_000)}` } },
    { method: 'GET', path: '/', headers: { accept: 'application/x-nonsense;q=bogus' } },
    { method: 'POST', path: firstPost, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '%ZZ=%E0%A4&_csrf=%' },
    { method: 'POST', path: firstPost, headers: { 'content-type': 'application/json' }, body: '{"_csrf":' },
    { method: 'POST', path: firstPost, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a='.padEnd(200_000, 'x') },
    ...(multipartPost ? [{ method: 'POST', path: multipartPost, headers: { 'content-type': 'multipart/form-data' }, body: '--x\r\n' }] : []),
    ...(jsonOp ? [{ method: jsonOp.method, path: jsonOp.path.replace(/\{[^}]+\}/g, 'x'), headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{"a":' }] : []),
  ];
  for (const request of triggers) {
    let response;
    try {
      response = await session.request(request);
    } catch (error) {
      context.results.check('verbose-errors', `${request.method} ${request.path.slice(0, 60)}`, false, `the request broke the connection: ${(error as Error).message}`, request);
      continue;
    }
    const exchange = { request: { ...request, url: context.options.origin + request.path }, response };
    const leak = leakIn(exchange, context.options.sensitiveMarkers ?? []);
    const problem = response.status >= 500 ? `HTTP ${response.status} on malformed input${leak ? `, revealing ${leak}` : ''}` : leak ? `reveals ${leak}` : null;
    context.results.check('verbose-errors', `${request.method} ${request.path.slice(0, 60)}`, problem === null, problem ?? '', request, response.status);
  }
}

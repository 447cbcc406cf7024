// HTTP method tampering: unexpected verbs, TRACE echo (XST), GET on state-changing routes and
// method-override headers must neither work nor crash; plus CORS for credentialed requests.
import type { HttpRequest } from '../lib/http.js';
import { ensureSignedIn, isOwnerOnly, type ScanContext } from './context.js';
import { EVIL_ORIGIN } from './csrf.js';

const OVERRIDES: ReadonlyArray<Record<string, string>> = [{ 'x-http-method-override': 'POST' }, { 'x-http-method': 'POST' }, { 'x-method-override': 'POST' }];

export async function checkMethods(context: ScanContext): Promise<void> {
  const users = context.options.users;
  const owner = users?.owner;
  const sessionFor = (as: 'anonymous' | 'owner') => (as === 'owner' && owner ? owner.session : context.anonymous);
  const shapes = new Map<string, { path: string; as: 'anonymous' | 'owner' }>();
  for (const page of context.pages) {
    if (page.exchange.response.status >= 400) continue;
    const shape = page.path.split('?')[0]?.replace(/[0-9a-f]{16,}/gi, ':id') ?? page.path;
    if (!shapes.has(shape)) shapes.set(shape, { path: page.path.split('?')[0] ?? page.path, as: page.as });
  }
  for (const { path, as } of shapes.values()) {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'PROPFIND', 'FOO']) {
      const request: HttpRequest = { method, path, headers: { origin: context.options.origin } };
      let status: number;
      try {
        status = (await sessionFor(as).request(request)).status;
      } catch {
        // Node's HTTP parser drops connections with methods it does not know: refused, as wanted.
        status = 400;
      }
      const ok = status >= 400 && status < 500;
      context.results.check('method-tampering', `${method} ${path} (${as})`, ok, `unexpected method answered HTTP ${status}`, request, status);
    }
  }

  const marker = 'xst-probe-5c2e';
  const trace: HttpRequest = { method: 'TRACE', path: '/', headers: { 'x-scan-echo': marker } };
  const traced = await context.anonymous.request(trace);
  context.results.check('method-tampering', 'TRACE /', traced.status >= 400 && traced.status < 500 && !traced.body.includes(marker), `TRACE answered HTTP ${traced.status}${traced.body.includes(marker) ? ' and echoed the request (cross-site tracing)' : ''}`, trace, traced.status);

  // State-changing routes reached with GET, plain or claiming POST in an override header. A route
  // that also serves a page by GET (a form posting to its own URL) must ignore the override.
  const pagesByGet = new Set(context.pages.filter((p) => p.exchange.response.status === 200).map((p) => `${p.as}|${p.path.split('?')[0] ?? p.path}`));
  const tried = new Set<string>();
  for (const { form, as } of context.forms.filter((f) => f.form.method === 'POST')) {
    if (tried.has(`${as}|${form.action}`)) continue;
    tried.add(`${as}|${form.action}`);
    let alsoPage = pagesByGet.has(`${as}|${form.action.split('?')[0] ?? form.action}`);
    let plainStatus = 0;
    for (const headers of [{}, ...OVERRIDES]) {
      const request: HttpRequest = { method: 'GET', path: form.action, headers };
      const response = await sessionFor(as).request(request);
      const override = Object.keys(headers)[0];
      if (override === undefined) plainStatus = response.status;
      // A page the crawl did not reach (linked only while a photo is processing) that shows its own
      // form, posting back to its URL, is such a page too.
      if (override === undefined && response.status === 200 && response.body.includes(`action="${form.action}"`)) alsoPage = true;
      const label = override ? ` with ${override}: POST` : '';
      const ok = alsoPage ? response.status === plainStatus : response.status >= 400 && response.status < 500;
      const problem = alsoPage ? `the override changed the answer from HTTP ${plainStatus} to HTTP ${response.status}` : `a POST-only route answered GET${label} with HTTP ${response.status}`;
      context.results.check('method-tampering', `GET ${form.action}${label} (${as})`, ok, problem, request, response.status);
      if (owner && as === 'owner') await ensureSignedIn(owner, context);
    }
  }
  if (owner) {
    const signedIn = context.options.authCheckPath ? await owner.session.get(context.options.authCheckPath) : null;
    if (signedIn) context.results.check('method-tampering', 'owner session after GET on state-changing routes', signedIn.status === 200, `the owner's session ended (HTTP ${signedIn.status} on ${context.options.authCheckPath ?? ''})`, null, signedIn.status);
    for (const page of context.pages.filter((p) => p.as === 'owner' && isOwnerOnly(p.path, context) && p.exchange.response.status === 200 && !/\/media\//.test(p.path))) {
      const response = await owner.session.get(page.path);
      context.results.check('method-tampering', `GET ${page.path} afterwards`, response.status === 200, `the owner's resource vanished after GET/override requests on its routes (HTTP ${response.status})`, { method: 'GET', path: page.path }, response.status);
    }
  }

  // CORS: a credentialed cross-origin read must not be allowed.
  const corsPaths = [...new Set([context.options.authCheckPath ?? '/', ...context.api.filter((o) => o.method === 'GET' && !o.path.includes('{')).map((o) => o.path)])];
  for (const path of corsPaths) {
    const requests: HttpRequest[] = [
      { method: 'GET', path, headers: { origin: EVIL_ORIGIN } },
      { method: 'OPTIONS', path, headers: { origin: EVIL_ORIGIN, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'x-csrf-token' } },
    ];
    for (const request of requests) {
      const response = await sessionFor(owner ? 'owner' : 'anonymous').request(request);
      const allow = response.headers['access-control-allow-origin'];
      const credentials = response.headers['access-control-allow-credentials'] === 'true';
      const open = allow === EVIL_ORIGIN || allow === 'null' || (allow === '*' && credentials);
      context.results.check('cors', `${request.method} ${path} from ${EVIL_ORIGIN}`, !open && response.status < 500, open ? `Access-Control-Allow-Origin: ${allow ?? ''}${credentials ? ' with credentials' : ''}` : `HTTP ${response.status}`, request, response.status);
    }
  }
}

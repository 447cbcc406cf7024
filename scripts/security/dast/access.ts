// Access across users (OWASP ASVS V8, IDOR): everything the owner reached by a URL naming one of
// their resources is refused to the other user and to anonymous visitors, pages, forms and API.
import { csrfTokenIn } from '../lib/html.js';
import type { HttpRequest } from '../lib/http.js';
import { apiRequest, csrfHeaderFor, UNSAFE_METHODS } from './api.js';
import { isOwnerOnly, type ScanContext } from './context.js';
import { submitForm } from './forms.js';

const REFUSED = new Set([401, 403, 404]);

export async function checkAccess(context: ScanContext): Promise<void> {
  const users = context.options.users;
  const ids = context.options.ownerResourceIds ?? [];
  if (!users || ids.length === 0) return;
  const ownerPages = [...new Map(context.pages.filter((p) => p.as === 'owner' && p.exchange.response.status === 200 && isOwnerOnly(p.path, context)).map((p) => [p.path, p])).values()];

  for (const page of ownerPages) {
    for (const [who, session] of [
      ['the other user', users.other.session],
      ['an anonymous visitor', context.anonymous],
    ] as const) {
      const request: HttpRequest = { method: 'GET', path: page.path };
      const response = await session.request(request);
      const shown = response.status >= 200 && response.status < 300;
      context.results.check('access-control', `GET ${page.path} as ${who}`, !shown, `${who} can read the owner's resource (HTTP ${response.status})`, request, response.status);
    }
  }

  // The owner's forms (edit, delete, share...) posted by the other user with the other user's own valid token.
  const otherToken = csrfTokenIn((await users.other.session.get(context.options.authCheckPath ?? '/')).body);
  for (const { form } of context.forms.filter((f) => f.as === 'owner' && UNSAFE_METHODS.has(f.form.method) && isOwnerOnly(f.form.action, context))) {
    const { request, response } = await submitForm(users.other.session, form, { token: otherToken, ...(context.options.sampleFile ? { file: context.options.sampleFile } : {}) });
    context.results.check('access-control', `${form.method} ${form.action} as the other user`, REFUSED.has(response.status), `the other user's request on the owner's resource was not refused (HTTP ${response.status}${response.headers.location ? ` -> ${response.headers.location}` : ''})`, request, response.status);
  }

  // The API, with the owner's ids in the path.
  const otherCsrf = await csrfHeaderFor(context, users.other.session);
  const otherCookie = [...users.other.session.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  for (const op of context.api.filter((o) => o.parameters.some((p) => p.in === 'path'))) {
    const base = apiRequest(context, op, ids);
    if (!ids.some((id) => base.path.includes(id))) continue;
    for (const [who, headers] of [
      ['the other user', { cookie: otherCookie, ...(UNSAFE_METHODS.has(op.method) ? { 'x-csrf-token': otherCsrf } : {}) }],
      ['an anonymous visitor', {}],
    ] as const) {
      const request: HttpRequest = { ...base, headers: { ...base.headers, ...headers } };
      const response = await context.anonymous.request({ ...request, cookies: false });
      context.results.check('access-control', `${op.method} ${base.path} as ${who}`, REFUSED.has(response.status), `${who} was not refused on the owner's resource (HTTP ${response.status})`, request, response.status);
    }
  }

  // Nothing above may have changed the owner's resources.
  for (const page of ownerPages.filter((p) => !/\/media\//.test(p.path))) {
    const request: HttpRequest = { method: 'GET', path: page.path };
    const response = await users.owner.session.request(request);
    context.results.check('access-control', `GET ${page.path} as the owner afterwards`, response.status === 200, `the owner's resource changed or vanished after the other user's requests (HTTP ${response.status})`, request, response.status);
  }
}

// CSRF enforcement on every state-changing form and API operation: no token, another session's
// token, and a valid token sent from another origin must all be refused (OWASP CSRF cheat sheet).
import { csrfTokenIn } from '../lib/html.js';
import { HttpSession, type HttpRequest } from '../lib/http.js';
import { apiRequest, csrfHeaderFor, UNSAFE_METHODS } from './api.js';
import { ensureSignedIn, type ScanContext } from './context.js';
import { submitForm } from './forms.js';

export const EVIL_ORIGIN = 'https://evil.example';
const REFUSED = new Set([401, 403, 419]);

export async function checkCsrf(context: ScanContext): Promise<void> {
  const users = context.options.users;
  const { origin } = context.options;
  for (const { form, as } of context.forms) {
    if (!UNSAFE_METHODS.has(form.method)) continue;
    const session = as === 'owner' && users ? users.owner.session : new HttpSession(origin, {}, false);
    const file = context.options.sampleFile ? { file: context.options.sampleFile } : {};
    // Another session's token: the other user's (or another anonymous visitor's) token for the same kind of page.
    const foreignSession = as === 'owner' && users ? users.other.session : new HttpSession(origin, {}, false);
    const foreignPage = as === 'owner' ? (context.options.authCheckPath ?? form.page) : form.page;
    const foreignToken = csrfTokenIn((await foreignSession.get(foreignPage)).body) ?? 'forged-token';
    const target = `${form.method} ${form.action} (${as})`;
    const attempts: Array<[string, Parameters<typeof submitForm>[2]]> = [
      ['no CSRF token', { token: null, ...file }],
      ["another session's CSRF token", { token: foreignToken, ...file }],
      [`a valid token from Origin ${EVIL_ORIGIN}`, { headers: { origin: EVIL_ORIGIN }, ...file }],
      [`a valid token with only a cross-site Referer`, { headers: { origin: '', referer: `${EVIL_ORIGIN}/attack.html` }, ...file }],
    ];
    for (const [what, submitOptions] of attempts) {
      const { request, response } = await submitForm(session, form, submitOptions);
      const sent: HttpRequest = { ...request, headers: Object.fromEntries(Object.entries(request.headers ?? {}).filter(([, v]) => v !== '')) };
      context.results.check('csrf', `${target} with ${what}`, REFUSED.has(response.status), `state-changing request with ${what} was not refused (HTTP ${response.status})`, sent, response.status);
      if (as === 'owner' && users) await ensureSignedIn(users.owner, context);
    }
  }

  if (!users) return;
  for (const op of context.api.filter((o) => UNSAFE_METHODS.has(o.method))) {
    const base = apiRequest(context, op);
    const cookie = [...users.owner.session.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const token = await csrfHeaderFor(context, users.owner.session);
    const attempts: Array<[string, Record<string, string>]> = [
      ['a session cookie and no X-CSRF-Token', { cookie }],
      [`a valid X-CSRF-Token from Origin ${EVIL_ORIGIN}`, { cookie, 'x-csrf-token': token, origin: EVIL_ORIGIN }],
    ];
    for (const [what, headers] of attempts) {
      const request: HttpRequest = { ...base, headers: { ...base.headers, ...headers } };
      const response = await context.anonymous.request({ ...request, cookies: false });
      context.results.check('csrf', `${op.method} ${op.path} with ${what}`, REFUSED.has(response.status), `API request with ${what} was not refused (HTTP ${response.status})`, request, response.status);
    }
    await ensureSignedIn(users.owner, context);
  }
}

// Open redirect: every redirect-like parameter (query or form field, e.g. login's `next`) given
// off-site targets in the spellings browsers resolve to another origin (OWASP Unvalidated Redirects).
import { HttpSession, type HttpRequest, type HttpResponse } from '../lib/http.js';
import type { ScanContext } from './context.js';
import { isLoginForm, submitForm } from './forms.js';

export const REDIRECT_PARAM = /^(next|url|redirect|redirect_?ur[il]|return|return_?to|returnTo|continue|dest|destination|goto|target|back|callback)$/i;

export const OFFSITE_TARGETS: readonly string[] = [
  'https://evil.example/',
  '//evil.example/',
  '/\\evil.example/',
  '\\/evil.example/',
  '/\t/evil.example/',
  '/%2F/evil.example/',
  'https:evil.example',
  'javascript:alert(document.domain)',
  '/.//evil.example/',
  '/a/..//evil.example/',
  'http://127.0.0.1@evil.example/',
  '////evil.example/',
];

/** Where a browser would go with this Location, if that is another origin or a script URL. */
export function offsite(location: string | undefined, origin: string): string | null {
  if (!location) return null;
  try {
    const url = new URL(location, origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} URL`;
    return url.origin === new URL(origin).origin ? null : url.origin;
  } catch {
    return null;
  }
}

function verdict(context: ScanContext, target: string, request: HttpRequest, response: HttpResponse, value: string): void {
  const where = response.status >= 300 && response.status < 400 ? offsite(response.headers.location, context.options.origin) : null;
  // A page may also redirect with <meta http-equiv=refresh> or a link back; check the header, which browsers follow blindly.
  context.results.check('open-redirect', `${target} = ${JSON.stringify(value)}`, where === null, `redirects to ${where ?? ''} (Location: ${response.headers.location ?? ''})`, request, response.status);
}

export async function checkOpenRedirect(context: ScanContext, knownParameters: Readonly<Record<string, readonly string[]>> = {}): Promise<void> {
  const users = context.options.users;
  const tried = new Set<string>();
  for (const page of context.pages) {
    const url = new URL(page.path, context.options.origin);
    const params = new Set([...url.searchParams.keys(), ...(knownParameters[url.pathname] ?? [])].filter((p) => REDIRECT_PARAM.test(p)));
    for (const param of params) {
      const key = `${page.as}|${url.pathname}|${param}`;
      if (tried.has(key)) continue;
      tried.add(key);
      const session = page.as === 'owner' && users ? users.owner.session : context.anonymous;
      for (const value of OFFSITE_TARGETS) {
        url.searchParams.set(param, value);
        const request: HttpRequest = { method: 'GET', path: url.pathname + url.search };
        verdict(context, `GET ${url.pathname} ?${param} (${page.as})`, request, await session.request(request), value);
      }
    }
  }
  for (const { form, as } of context.forms) {
    const field = form.fields.find((f) => REDIRECT_PARAM.test(f.name));
    if (!field || tried.has(`form|${form.action}|${field.name}`)) continue;
    tried.add(`form|${form.action}|${field.name}`);
    for (const value of OFFSITE_TARGETS) {
      // A login form redirects only after a successful login: sign in for real, in a fresh session.
      const login = isLoginForm(form) && users;
      const session = login ? new HttpSession(context.options.origin, {}, false) : as === 'owner' && users ? users.owner.session : context.anonymous;
      const credentials = login ? { credentials: { username: users.owner.username, password: users.owner.password } } : {};
      const { request, response } = await submitForm(session, form, { values: { [field.name]: value }, ...credentials });
      verdict(context, `${form.method} ${form.action} field ${field.name}${login ? ' (after a successful login)' : ''}`, request, response, value);
    }
  }
}

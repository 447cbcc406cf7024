// HTTPS-only protections, through a TLS-terminating proxy's X-Forwarded-Proto (the app must be
// configured to trust it): HSTS, and Secure / __Host- cookies on sign-in.
import { HttpSession } from '../lib/http.js';
import type { ScanContext } from './context.js';
import { checkCookies } from './passive.js';

const HSTS_MIN_SECONDS = 15_552_000; // 180 days

export async function checkHttps(context: ScanContext): Promise<void> {
  if (!context.options.httpsViaForwardedProto) return;
  const session = new HttpSession(context.options.origin, { 'x-forwarded-proto': 'https' });
  for (const path of context.options.seeds) {
    const response = await session.get(path);
    const exchange = session.history.at(-1);
    if (!exchange) continue;
    const maxAge = Number(/max-age=(\d+)/i.exec(response.headers['strict-transport-security'] ?? '')?.[1] ?? 0);
    context.results.check('https', `GET ${path} over HTTPS`, maxAge >= HSTS_MIN_SECONDS, `Strict-Transport-Security ${response.headers['strict-transport-security'] ? `max-age ${maxAge} s is under 180 days` : 'missing'}`, exchange.request, response.status);
    checkCookies(context, exchange, `GET ${path} over HTTPS`, true);
  }
  const owner = context.options.users?.owner;
  if (owner) {
    const login = await owner.login(session);
    const exchange = session.history.at(-1);
    if (exchange) {
      context.results.check('https', 'sign-in over HTTPS', login.status === 303 || login.status === 302, `sign-in over HTTPS failed (HTTP ${login.status})`, exchange.request, login.status);
      checkCookies(context, exchange, 'POST sign-in over HTTPS', true);
    }
  }
}

import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalog.js';
import { safeNextPath } from '../security/safe-redirect.js';
import { LoginPage } from '../views/pages/login-page.js';
import { SignupPage } from '../views/pages/signup-page.js';
import { readForm, readQueryParam } from '../web/forms.js';
import { sendPage, viewContextFor, wantsJson } from '../web/pages.js';
import { sendAccountPage } from './account-page-response.js';
import type { AccountService } from './account-service.js';
import { apiTokenPageRoutes } from './api-tokens/api-token-page-routes.js';
import type { ApiTokenService } from './api-tokens/api-token-service.js';
import { clearSessionCookie, setSessionCookie } from './sessions/session-cookie.js';
import type { SessionService } from './sessions/session-service.js';

export interface AccountRoutesDeps {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly apiTokens: ApiTokenService;
  readonly signupsPerWindow: number;
}

// Django's AuthenticationForm message: the same for an unknown user and a wrong password.
const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';

// Django's password_reset_complete text.
const PASSWORD_RESET_NOTICE = 'Your password has been set. You may go ahead and log in now.';

const SIGNUP_FIELDS = ['username', 'email', 'password1', 'password2'] as const;
const LOGIN_FIELDS = ['username', 'password', 'next'] as const;

export async function accountRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const publicPage = { public: true, neverCache: true };

  app.get('/accounts/signup/', { config: publicPage }, async (request, reply) =>
    sendPage(reply, <SignupPage context={viewContextFor(request, reply)} values={{ username: '', email: '' }} errors={{}} />),
  );

  await app.register(rateLimit, {
    global: false,
    // A security event like login throttling (the 429 itself counts in photovault.throttled).
    onExceeded: (request) => request.log.warn({ event: 'signup_throttled' }, 'sign-up rate limit reached'),
    errorResponseBuilder: (_request, context) =>
      new AppError('too_many_requests', {
        detail: `Too many sign-up attempts from your address. Try again in ${Math.ceil(context.ttl / 1000)} seconds.`,
        retryAfterSeconds: Math.ceil(context.ttl / 1000),
      }),
  });

  const signupLimit = { max: deps.signupsPerWindow, timeWindow: 10 * 60_000 };
  app.post('/accounts/signup/', { config: { ...publicPage, rateLimit: signupLimit } }, async (request, reply) => {
    const form = readForm(request.body, SIGNUP_FIELDS);
    const result = await deps.accounts.signup(form);
    if (result.ok) return reply.redirect('/accounts/login/?created=1', 303);
    const values = { username: form.username, email: form.email };
    return sendPage(reply, <SignupPage context={viewContextFor(request, reply)} values={values} errors={result.errors} />, 400);
  });

  app.get('/accounts/login/', { config: publicPage }, async (request, reply) => {
    const next = safeNextPath(readQueryParam(request.query, 'next'), '');
    const notice = readQueryParam(request.query, 'created') === '1' ? 'Your account has been created. You can log in now.' : readQueryParam(request.query, 'reset') === '1' ? PASSWORD_RESET_NOTICE : undefined;
    return sendPage(reply, <LoginPage context={viewContextFor(request, reply)} username="" next={next} errors={[]} notice={notice} />);
  });

  app.post('/accounts/login/', { config: publicPage }, async (request, reply) => {
    const form = readForm(request.body, LOGIN_FIELDS);
    const result = await deps.accounts.login({
      username: form.username,
      password: form.password,
      address: request.ip,
      userAgent: request.headers['user-agent'] ?? '',
    });
    if (result.ok) {
      // A fresh session id at login (no fixation); the previous session, if any, is ended.
      if (request.session) await deps.sessions.end(request.session.idHash);
      setSessionCookie(reply, result.session.token, deps.sessions.cookieMaxAgeSeconds);
      request.log.info({ event: 'login_succeeded', user_id: result.user.id }, 'login succeeded');
      return reply.redirect(safeNextPath(form.next), 303);
    }
    const throttled = result.reason === 'throttled';
    request.log.warn({ event: throttled ? 'login_throttled' : 'login_failed', ...(throttled ? { retry_after: result.retryAfterSeconds } : {}) }, 'login refused');
    if (throttled) {
      const detail = `Too many failed login attempts. Try again in ${result.retryAfterSeconds} seconds.`;
      if (wantsJson(request)) throw new AppError('too_many_requests', { detail, retryAfterSeconds: result.retryAfterSeconds });
      reply.header('retry-after', String(result.retryAfterSeconds));
      return renderLoginError(request, reply, form, detail, 429);
    }
    if (wantsJson(request)) throw new AppError('unauthenticated', { detail: INVALID_LOGIN });
    return renderLoginError(request, reply, form, INVALID_LOGIN, 401);
  });

  // Public so an expired session can still log out cleanly; CSRF-checked like every POST.
  app.post('/accounts/logout/', { config: { public: true } }, async (request, reply) => {
    if (request.session) await deps.sessions.end(request.session.idHash);
    clearSessionCookie(reply);
    request.log.info({ event: 'logout' }, 'logged out');
    return reply.redirect('/accounts/login/', 303);
  });

  app.post('/accounts/logout-everywhere/', async (request, reply) => {
    const user = requireUser(request);
    const ended = await deps.sessions.endAll(user.id);
    clearSessionCookie(reply);
    request.log.info({ event: 'logout_everywhere', sessions_ended: ended }, 'logged out everywhere');
    return reply.redirect('/accounts/login/', 303);
  });

  app.get('/accounts/', async (request, reply) => sendAccountPage(request, reply, deps));
  await app.register(apiTokenPageRoutes, deps);
}

function renderLoginError(request: FastifyRequest, reply: FastifyReply, form: { username: string; next: string }, message: string, status: number) {
  const context = viewContextFor(request, reply);
  return sendPage(reply, <LoginPage context={context} username={form.username} next={safeNextPath(form.next, '')} errors={[message]} />, status);
}

/** The signed-in user; the login-required guard has already run, so absence is a server bug. */
export function requireUser(request: FastifyRequest) {
  if (!request.user) throw new AppError('unauthenticated');
  return request.user;
}

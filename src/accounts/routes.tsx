import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { partyOf, type AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors/catalog.js';
import { registerRequestLimits, type LimiterStore } from '../security/request-limits.js';
import { safeNextPath } from '../security/safe-redirect.js';
import { LoginPage } from '../views/pages/login-page.js';
import { SignupPage } from '../views/pages/signup-page.js';
import { readForm, readQueryParam } from '../web/forms.js';
import { sendPage, viewContextFor, wantsJson } from '../web/pages.js';
import { sendAccountPage, type AccountPageDeps } from './account-page-response.js';
import type { AccountService } from './account-service.js';
import { apiTokenPageRoutes, revealedApiToken } from './api-tokens/api-token-page-routes.js';
import type { ApiTokenService } from './api-tokens/api-token-service.js';
import { clearSessionCookie, setSessionCookie } from './sessions/session-cookie.js';
import { redirectWithNotice } from '../web/notices.js';
import type { SessionService } from './sessions/session-service.js';
import { setChallengeCookie } from './two-factor/challenge-cookie.js';
import type { TwoFactorService } from './two-factor/two-factor-service.js';
import type { RevealSealer } from '../web/one-time-reveal.js';

export interface AccountRoutesDeps {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly apiTokens: ApiTokenService;
  readonly reveals: RevealSealer;
  readonly twoFactor: TwoFactorService;
  readonly audit: AuditLog;
  /** What the user's photos take and their storage quota, for the account page. */
  readonly storageUsage?: AccountPageDeps['storageUsage'];
  readonly signupsPerWindow: number;
  /** Whether this request's address can serve passkeys (the login page's passkey button). */
  readonly passkeysAvailable?: (request: FastifyRequest) => boolean;
  /**
   * REDIS_URL set: the limiter counts in Redis, so the limit holds across every web instance
   * (`nameSpace` is REDIS_KEY_PREFIX). Otherwise each process counts in memory.
   */
  readonly limiterStore?: LimiterStore;
}

// Django's AuthenticationForm message: the same for an unknown user and a wrong password.
const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';
// Django's 'inactive' message, shown only to someone who knew the password.
const DISABLED_LOGIN = 'This account is disabled.';

// Django's password_reset_complete text.
const PASSWORD_RESET_NOTICE = 'Your password has been set. You may go ahead and log in now.';

const SIGNUP_FIELDS = ['username', 'email', 'password1', 'password2'] as const;
const LOGIN_FIELDS = ['username', 'password', 'next'] as const;

export async function accountRoutes(app: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const publicPage = { public: true, neverCache: true };

  app.get('/accounts/signup/', { config: publicPage }, async (request, reply) =>
    sendPage(reply, <SignupPage context={viewContextFor(request, reply)} values={{ username: '', email: '' }} errors={{}} />),
  );

  await registerRequestLimits(app, {
    store: deps.limiterStore,
    event: 'signup_throttled',
    describe: (seconds) => `Too many sign-up attempts from your address. Try again in ${seconds} seconds.`,
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
    return sendPage(reply, <LoginPage context={viewContextFor(request, reply, notice)} username="" next={next} errors={[]} passkeys={deps.passkeysAvailable?.(request) ?? false} />);
  });

  app.post('/accounts/login/', { config: publicPage }, async (request, reply) => {
    const form = readForm(request.body, LOGIN_FIELDS);
    const result = await deps.accounts.login({
      username: form.username,
      password: form.password,
      address: request.ip,
      userAgent: request.headers['user-agent'] ?? '',
    });
    if (result.ok && result.secondFactor) {
      // No session yet: only a short-lived challenge bound to this browser, good for the code form alone.
      setChallengeCookie(reply, await deps.twoFactor.startChallenge(result.user.id, safeNextPath(form.next)));
      await deps.audit.record({ event: 'two_factor_challenged', target: partyOf(result.user), request });
      return reply.redirect('/accounts/login/2fa/', 303);
    }
    if (result.ok) {
      // A fresh session id at login (no fixation); the previous session, if any, is ended.
      if (request.session) await deps.sessions.end(request.session.idHash);
      setSessionCookie(reply, result.session.token, deps.sessions.cookieMaxAgeSeconds);
      request.log.info({ event: 'login_succeeded', user_id: result.user.id }, 'login succeeded');
      await deps.audit.record({ event: 'login_succeeded', actor: partyOf(result.user), target: partyOf(result.user), request, detail: 'password' });
      return reply.redirect(safeNextPath(form.next), 303);
    }
    if (result.reason === 'disabled') {
      await deps.audit.record({ event: 'login_refused_disabled', target: partyOf(result.user), request });
      if (wantsJson(request)) throw new AppError('forbidden', { detail: DISABLED_LOGIN });
      return renderLoginError(deps, request, reply, form, DISABLED_LOGIN, 403);
    }
    const throttled = result.reason === 'throttled';
    request.log.warn({ event: throttled ? 'login_throttled' : 'login_failed', ...(throttled ? { retry_after: result.retryAfterSeconds } : {}) }, 'login refused');
    await recordLoginRefusal(deps.audit, request, form.username, result);
    if (throttled) {
      const detail = `Too many failed login attempts. Try again in ${result.retryAfterSeconds} seconds.`;
      if (wantsJson(request)) throw new AppError('too_many_requests', { detail, retryAfterSeconds: result.retryAfterSeconds });
      reply.header('retry-after', String(result.retryAfterSeconds));
      return renderLoginError(deps, request, reply, form, detail, 429);
    }
    if (wantsJson(request)) throw new AppError('unauthenticated', { detail: INVALID_LOGIN });
    return renderLoginError(deps, request, reply, form, INVALID_LOGIN, 401);
  });

  // Public so an expired session can still log out cleanly; CSRF-checked like every POST.
  app.post('/accounts/logout/', { config: { public: true } }, async (request, reply) => {
    if (request.session) await deps.sessions.end(request.session.idHash);
    if (request.user) await deps.audit.record({ event: 'logout', actor: partyOf(request.user), target: partyOf(request.user), request });
    clearSessionCookie(reply);
    request.log.info({ event: 'logout' }, 'logged out');
    return redirectWithNotice(reply, '/accounts/login/', 'logged_out');
  });

  app.post('/accounts/logout-everywhere/', async (request, reply) => {
    const user = requireUser(request);
    const ended = await deps.sessions.endAll(user.id);
    await deps.audit.record({ event: 'logout_everywhere', actor: partyOf(user), target: partyOf(user), request, detail: `sessions ended: ${ended}` });
    clearSessionCookie(reply);
    request.log.info({ event: 'logout_everywhere', sessions_ended: ended }, 'logged out everywhere');
    return redirectWithNotice(reply, '/accounts/login/', 'logged_out_everywhere');
  });

  app.get('/accounts/', async (request, reply) => sendAccountPage(request, reply, deps, await revealedApiToken(request, reply, deps)));
  await app.register(apiTokenPageRoutes, deps);
}

/** A failed or throttled login in the audit log, under the username as typed (it may name no account). */
async function recordLoginRefusal(audit: AuditLog, request: FastifyRequest, username: string, result: { reason: 'invalid_credentials'; lockedSeconds: number } | { reason: 'throttled'; retryAfterSeconds: number }) {
  const target = { name: username.normalize('NFKC').trim() };
  if (result.reason === 'throttled') {
    await audit.record({ event: 'login_throttled', target, request, detail: `retry after ${result.retryAfterSeconds} s` });
    return;
  }
  await audit.record({ event: 'login_failed', target, request });
  if (result.lockedSeconds > 0) await audit.record({ event: 'login_locked_out', target, request, detail: `locked for ${result.lockedSeconds} s` });
}

function renderLoginError(deps: Pick<AccountRoutesDeps, 'passkeysAvailable'>, request: FastifyRequest, reply: FastifyReply, form: { username: string; next: string }, message: string, status: number) {
  const context = viewContextFor(request, reply);
  return sendPage(reply, <LoginPage context={context} username={form.username} next={safeNextPath(form.next, '')} errors={[message]} passkeys={deps.passkeysAvailable?.(request) ?? false} />, status);
}

/** The signed-in user; the login-required guard has already run, so absence is a server bug. */
export function requireUser(request: FastifyRequest) {
  if (!request.user) throw new AppError('unauthenticated');
  return request.user;
}

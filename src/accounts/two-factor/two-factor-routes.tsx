import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.js';
import { partyOf } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import { safeNextPath } from '../../security/safe-redirect.js';
import { RecoveryCodesPage, TwoFactorLoginPage, TwoFactorSetupPage, TwoFactorStatusPage } from '../../views/pages/two-factor-pages.js';
import { readForm, readQueryParam } from '../../web/forms.js';
import { sendPage, viewContextFor, wantsJson } from '../../web/pages.js';
import { requireUser } from '../routes.js';
import { setSessionCookie } from '../sessions/session-cookie.js';
import type { SessionService } from '../sessions/session-service.js';
import { clearChallengeCookie, readChallengeCookie } from './challenge-cookie.js';
import type { CodeFailure, TwoFactorService } from './two-factor-service.js';

export interface TwoFactorRoutesDeps {
  readonly twoFactor: TwoFactorService;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
  /** Whether the user has a passkey (offered on the second login step). */
  readonly hasPasskey?: (userId: string) => Promise<boolean>;
}

const INVALID_CODE = 'That code is not valid. Check that your device’s clock is right, and use each code only once.';
const ADMIN_NOTICE = 'Administration needs two-factor login. Set it up to continue.';

function failureMessage(failure: CodeFailure): string {
  return failure.reason === 'throttled' ? `Too many wrong codes. Try again in ${failure.retryAfterSeconds} seconds.` : INVALID_CODE;
}

/** 429 with Retry-After for a lockout, else `status`; API clients get the same as a problem document. */
function failureStatus(request: FastifyRequest, reply: FastifyReply, failure: CodeFailure, status: number): number {
  if (failure.reason !== 'throttled') {
    if (wantsJson(request)) throw new AppError(status === 401 ? 'unauthenticated' : 'validation_failed', { detail: INVALID_CODE });
    return status;
  }
  if (wantsJson(request)) throw new AppError('too_many_requests', { detail: failureMessage(failure), retryAfterSeconds: failure.retryAfterSeconds });
  reply.header('retry-after', String(failure.retryAfterSeconds));
  return 429;
}

/** `/accounts/2fa/` (setup, recovery codes, turning it off) and the second login step `/accounts/login/2fa/`. */
export async function twoFactorRoutes(app: FastifyInstance, deps: TwoFactorRoutesDeps): Promise<void> {
  const { twoFactor, audit } = deps;
  const secondFactorsOf = async (userId: string) => ({ totp: (await twoFactor.status(userId)).enabled, passkey: (await deps.hasPasskey?.(userId)) ?? false });

  const sendSetup = async (request: FastifyRequest, reply: FastifyReply, next: string, errors: string[], status = 200) => {
    const user = requireUser(request);
    const details = await twoFactor.setupDetails(user);
    const notice = next.startsWith('/admin/') ? ADMIN_NOTICE : undefined;
    const page = <TwoFactorSetupPage context={viewContextFor(request, reply, notice)} secret={details.secret} qrDataUrl={details.qrDataUrl} next={next} errors={errors} />;
    return sendPage(reply, page, status);
  };
  const sendStatus = async (request: FastifyRequest, reply: FastifyReply, errors: string[], status = 200) => {
    const state = await twoFactor.status(requireUser(request).id);
    return sendPage(reply, <TwoFactorStatusPage context={viewContextFor(request, reply)} unusedRecoveryCodes={state.unusedRecoveryCodes} errors={errors} />, status);
  };

  app.get('/accounts/2fa/', async (request, reply) => {
    const user = requireUser(request);
    const next = safeNextPath(readQueryParam(request.query, 'next'), '/accounts/');
    if ((await twoFactor.status(user.id)).enabled) return sendStatus(request, reply, []);
    return sendSetup(request, reply, next, []);
  });

  app.post('/accounts/2fa/', async (request, reply) => {
    const user = requireUser(request);
    const form = readForm(request.body, ['code', 'next'] as const);
    const next = safeNextPath(form.next, '/accounts/');
    const result = await twoFactor.confirm(user.id, form.code, request.ip);
    if (result.ok) {
      // Sessions opened before this point never showed the second factor: only this one stays.
      const ended = await endOtherSessions(deps.sessions, user.id, request);
      await audit.record({ event: 'two_factor_enabled', actor: partyOf(user), target: partyOf(user), request, detail: `other sessions ended: ${ended}` });
      request.log.info({ event: 'two_factor_enabled' }, 'two-factor login turned on');
      return sendPage(reply, <RecoveryCodesPage context={viewContextFor(request, reply)} codes={result.recoveryCodes} next={next} />);
    }
    if (result.reason === 'already_enabled') return reply.redirect('/accounts/2fa/', 303);
    await audit.record({ event: result.reason === 'throttled' ? 'two_factor_throttled' : 'two_factor_failed', actor: partyOf(user), target: partyOf(user), request, detail: 'setup' });
    return sendSetup(request, reply, next, [failureMessage(result)], failureStatus(request, reply, result, 400));
  });

  app.post('/accounts/2fa/disable/', async (request, reply) => {
    const user = requireUser(request);
    const form = readForm(request.body, ['password', 'code'] as const);
    const result = await twoFactor.disable(user.id, form.password, form.code, request.ip);
    if (result.ok) {
      await audit.record({ event: 'two_factor_disabled', actor: partyOf(user), target: partyOf(user), request });
      request.log.info({ event: 'two_factor_disabled' }, 'two-factor login turned off');
      return reply.redirect('/accounts/2fa/', 303);
    }
    if (result.reason === 'not_enabled') return reply.redirect('/accounts/2fa/', 303);
    await audit.record({ event: result.reason === 'throttled' ? 'two_factor_throttled' : 'two_factor_failed', actor: partyOf(user), target: partyOf(user), request, detail: 'disable' });
    if (result.reason === 'wrong_password') {
      if (wantsJson(request)) throw new AppError('validation_failed', { detail: 'Your password was entered incorrectly.' });
      return sendStatus(request, reply, ['Your password was entered incorrectly.'], 400);
    }
    return sendStatus(request, reply, [failureMessage(result)], failureStatus(request, reply, result, 400));
  });

  // The second login step: public (there is no session yet), reached only with a live challenge cookie.
  const publicPage = { public: true, neverCache: true };
  app.get('/accounts/login/2fa/', { config: publicPage }, async (request, reply) => {
    const challenge = await twoFactor.findChallenge(readChallengeCookie(request));
    if (!challenge) return reply.redirect('/accounts/login/', 303);
    return sendPage(reply, <TwoFactorLoginPage context={viewContextFor(request, reply)} errors={[]} {...(await secondFactorsOf(challenge.userId))} />);
  });

  app.post('/accounts/login/2fa/', { config: publicPage }, async (request, reply) => {
    const token = readChallengeCookie(request);
    const challenge = await twoFactor.findChallenge(token);
    if (!challenge || token === undefined) {
      if (wantsJson(request)) throw new AppError('unauthenticated', { detail: 'The login has expired. Log in again.' });
      return reply.redirect('/accounts/login/', 303);
    }
    const form = readForm(request.body, ['code'] as const);
    const target = { id: challenge.userId, name: challenge.username };
    const result = await twoFactor.checkCode(challenge.userId, form.code, request.ip);
    if (!result.ok) {
      const throttled = result.reason === 'throttled';
      await audit.record({ event: throttled ? 'two_factor_throttled' : 'two_factor_failed', target, request, detail: 'login' });
      request.log.warn({ event: throttled ? 'two_factor_throttled' : 'two_factor_failed' }, 'second login step refused');
      const status = failureStatus(request, reply, result, 401);
      return sendPage(reply, <TwoFactorLoginPage context={viewContextFor(request, reply)} errors={[failureMessage(result)]} {...(await secondFactorsOf(challenge.userId))} />, status);
    }
    const session = await twoFactor.completeChallenge(token, challenge.userId, request.headers['user-agent'] ?? '');
    clearChallengeCookie(reply);
    if (!session) return reply.redirect('/accounts/login/', 303);
    // A fresh session id at login (no fixation); the previous session, if any, is ended.
    if (request.session) await deps.sessions.end(request.session.idHash);
    setSessionCookie(reply, session.token, deps.sessions.cookieMaxAgeSeconds);
    if (result.method === 'recovery_code') await audit.record({ event: 'recovery_code_used', actor: target, target, request });
    await audit.record({ event: 'login_succeeded', actor: target, target, request, detail: result.method === 'totp' ? 'password and TOTP code' : 'password and recovery code' });
    request.log.info({ event: 'login_succeeded', user_id: challenge.userId, second_factor: result.method }, 'login succeeded');
    return reply.redirect(safeNextPath(challenge.next), 303);
  });
}

async function endOtherSessions(sessions: SessionService, userId: string, request: FastifyRequest): Promise<number> {
  let ended = 0;
  for (const session of await sessions.list(userId)) {
    if (session.id_hash === request.session?.idHash) continue;
    await sessions.end(session.id_hash);
    ended += 1;
  }
  return ended;
}

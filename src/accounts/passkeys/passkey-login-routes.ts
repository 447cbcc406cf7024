import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.js';
import { AppError } from '../../errors/catalog.js';
import { registerRequestLimits, type LimiterStore } from '../../security/request-limits.js';
import { safeNextPath } from '../../security/safe-redirect.js';
import { credentialCookie, setSessionCookie } from '../sessions/session-cookie.js';
import type { SessionService } from '../sessions/session-service.js';
import type { LoginThrottle, ThrottleKeys } from '../throttle/login-throttle.js';
import { clearChallengeCookie, readChallengeCookie } from '../two-factor/challenge-cookie.js';
import type { TwoFactorService } from '../two-factor/two-factor-service.js';
import { readCeremonyBody } from './ceremony-body.js';
import { PASSKEY_CHALLENGE_TTL_MS, type AssertionFailure, type PasskeyService } from './passkey-service.js';
import { relyingPartyFor, type RelyingPartyOptions } from './relying-party.js';

export interface PasskeyLoginRoutesDeps {
  readonly passkeys: PasskeyService;
  readonly twoFactor: TwoFactorService;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
  readonly relyingParty: RelyingPartyOptions;
  /** The login form's throttle: passwordless failures are counted per address like wrong passwords. */
  readonly throttle: LoginThrottle;
  /** Where the ceremony-options limit counts (Redis in scale-out), as for sign-ups. */
  readonly limiterStore?: LimiterStore;
}

/**
 * Asking for ceremony options needs no credential and stores a challenge row, so it is limited per
 * address: a person needs one or two per login, a script asking in a loop gets 429s instead of
 * filling the challenge table (failed assertions are counted by the login throttle instead).
 */
export const CEREMONY_OPTIONS_LIMIT = { max: 30, timeWindow: 60_000 } as const;

// A passwordless login has no session and no password step yet: its challenge is bound to this
// browser by a cookie of its own, good for the one ceremony only.
const loginCookie = credentialCookie('pv_passkey');
const LOGIN_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const FAILED = 'That passkey could not be used to log in.';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * A passwordless login names no account before it succeeds, so both keys are the client's
 * address: its own passkey key (the account limit, LOGIN_ACCOUNT_MAX_FAILURES) and the address key
 * the password form shares (LOGIN_ADDRESS_MAX_FAILURES), so switching method buys no more guesses.
 */
const passwordlessKeys = (request: FastifyRequest): ThrottleKeys => ({ account: `passkey-address:${request.ip}`, address: `address:${request.ip}` });

/**
 * The login ceremonies, public (no session yet) and CSRF-checked like every POST:
 * `/accounts/login/passkey/…` (passwordless: a discoverable passkey with user verification) and
 * `/accounts/login/2fa/passkey/…` (the second step after the password, for the challenge's user).
 */
export async function passkeyLoginRoutes(app: FastifyInstance, deps: PasskeyLoginRoutesDeps): Promise<void> {
  const { passkeys, audit } = deps;
  const config = { public: true, neverCache: true };
  const optionsConfig = { ...config, rateLimit: CEREMONY_OPTIONS_LIMIT };
  await registerRequestLimits(app, {
    store: deps.limiterStore,
    event: 'passkey_options_throttled',
    describe: (seconds) => `Too many passkey requests from your address. Try again in ${seconds} seconds.`,
  });
  const rpOf = (request: FastifyRequest) => {
    const rp = relyingPartyFor(request, deps.relyingParty);
    if (!rp) throw new AppError('bad_request', { detail: 'Passkeys are not available at this address.' });
    return rp;
  };

  /**
   * Audits a refused assertion and answers 401 (the reason stays in the log, not in the answer).
   * A passwordless failure also counts against the address; the one that starts a lockout is
   * audited once as `login_locked_out`.
   */
  const refuse = async (request: FastifyRequest, failure: AssertionFailure, step: string, keys?: ThrottleKeys): Promise<never> => {
    const passkey = 'passkey' in failure ? failure.passkey : undefined;
    const target = passkey ? { id: passkey.user_id, name: passkey.username } : null;
    const event = failure.reason === 'counter_regression' ? 'passkey_counter_regression' : 'passkey_failed';
    await audit.record({ event, target, request, detail: `${step}: ${failure.reason}${passkey ? ` (passkey ${passkey.id})` : ''}` });
    request.log.warn({ event, reason: failure.reason }, 'passkey assertion refused');
    const lockedSeconds = keys ? await deps.throttle.recordFailure(keys) : 0;
    if (lockedSeconds > 0) await audit.record({ event: 'login_locked_out', target, request, detail: `passkey: locked for ${lockedSeconds} s` });
    if (failure.reason === 'disabled') throw new AppError('forbidden', { detail: 'This account is disabled.' });
    if (failure.reason === 'expired') throw new AppError('unauthenticated', { detail: 'The login has expired. Try again.' });
    throw new AppError('unauthenticated', { detail: FAILED });
  };

  const startSession = async (request: FastifyRequest, reply: FastifyReply, userId: string) => {
    const session = await deps.sessions.start(userId, request.headers['user-agent'] ?? '');
    // A fresh session id at login (no fixation); the previous session, if any, is ended.
    if (request.session) await deps.sessions.end(request.session.idHash);
    setSessionCookie(reply, session.token, deps.sessions.cookieMaxAgeSeconds);
  };

  app.post('/accounts/login/passkey/options/', { config: optionsConfig }, async (request, reply) => {
    const rp = rpOf(request);
    const token = randomBytes(32).toString('base64url');
    loginCookie.set(reply, token, PASSKEY_CHALLENGE_TTL_MS / 1000);
    return reply.send(await passkeys.authenticationOptions(rp, `login:${hashToken(token)}`, 'login'));
  });

  app.post('/accounts/login/passkey/verify/', { config }, async (request, reply) => {
    const body = readCeremonyBody(request.body);
    const keys = passwordlessKeys(request);
    // Locked out: refused before any verification, logged but not audited again (the lockout was).
    const waitSeconds = await deps.throttle.secondsLocked(keys);
    if (waitSeconds > 0) {
      request.log.warn({ event: 'login_throttled', method: 'passkey', retry_after: waitSeconds }, 'passkey login refused');
      throw new AppError('too_many_requests', { detail: `Too many failed login attempts. Try again in ${waitSeconds} seconds.`, retryAfterSeconds: waitSeconds });
    }
    const token = loginCookie.read(request);
    loginCookie.clear(reply);
    if (token === undefined || !LOGIN_TOKEN.test(token)) return refuse(request, { ok: false, reason: 'expired' }, 'passwordless login', keys);
    const result = await passkeys.authenticate(`login:${hashToken(token)}`, 'login', body.response);
    if (!result.ok) return refuse(request, result, 'passwordless login', keys);
    const user = { id: result.passkey.user_id, name: result.passkey.username };
    await deps.throttle.recordSuccess(keys);
    await startSession(request, reply, user.id);
    await audit.record({ event: 'passkey_used', actor: user, target: user, request, detail: `passkey ${result.passkey.id}` });
    await audit.record({ event: 'login_succeeded', actor: user, target: user, request, detail: 'passkey' });
    request.log.info({ event: 'login_succeeded', user_id: user.id, method: 'passkey' }, 'login succeeded');
    return reply.send({ redirect: safeNextPath(body.next) });
  });

  app.post('/accounts/login/2fa/passkey/options/', { config: optionsConfig }, async (request, reply) => {
    const token = readChallengeCookie(request);
    const challenge = await deps.twoFactor.findChallenge(token);
    if (!challenge || token === undefined) throw new AppError('unauthenticated', { detail: 'The login has expired. Log in again.' });
    const rp = rpOf(request);
    return reply.send(await passkeys.authenticationOptions(rp, `second-factor:${hashToken(token)}`, 'second_factor', challenge.userId));
  });

  app.post('/accounts/login/2fa/passkey/verify/', { config }, async (request, reply) => {
    const body = readCeremonyBody(request.body);
    const token = readChallengeCookie(request);
    const challenge = await deps.twoFactor.findChallenge(token);
    if (!challenge || token === undefined) throw new AppError('unauthenticated', { detail: 'The login has expired. Log in again.' });
    // The same lockout as wrong codes at this step; refused requests are logged, not audited again.
    const waitSeconds = await deps.twoFactor.secondStepWait(challenge.userId, request.ip);
    if (waitSeconds > 0) {
      request.log.warn({ event: 'two_factor_throttled', method: 'passkey', retry_after: waitSeconds }, 'second login step refused');
      throw new AppError('too_many_requests', { detail: `Too many failed attempts. Try again in ${waitSeconds} seconds.`, retryAfterSeconds: waitSeconds });
    }
    const result = await passkeys.authenticate(`second-factor:${hashToken(token)}`, 'second_factor', body.response);
    const target = { id: challenge.userId, name: challenge.username };
    if (!result.ok) {
      await audit.record({ event: 'two_factor_failed', target, request, detail: 'login (passkey)' });
      const lockedSeconds = await deps.twoFactor.recordSecondStepFailure(challenge.userId, request.ip);
      if (lockedSeconds > 0) await audit.record({ event: 'two_factor_throttled', target, request, detail: `login (passkey): locked for ${lockedSeconds} s` });
      return refuse(request, result, 'second factor');
    }
    await deps.twoFactor.recordSecondStepSuccess(challenge.userId, request.ip);
    const session = await deps.twoFactor.completeChallenge(token, challenge.userId, request.headers['user-agent'] ?? '');
    clearChallengeCookie(reply);
    if (!session) throw new AppError('unauthenticated', { detail: 'The login has expired. Log in again.' });
    if (request.session) await deps.sessions.end(request.session.idHash);
    setSessionCookie(reply, session.token, deps.sessions.cookieMaxAgeSeconds);
    await audit.record({ event: 'passkey_used', actor: target, target, request, detail: `passkey ${result.passkey.id}` });
    await audit.record({ event: 'login_succeeded', actor: target, target, request, detail: 'password and passkey' });
    request.log.info({ event: 'login_succeeded', user_id: challenge.userId, second_factor: 'passkey' }, 'login succeeded');
    return reply.send({ redirect: safeNextPath(challenge.next) });
  });
}

import { createHash, randomBytes } from 'node:crypto';
import type { PasswordHasher } from '../password/hashing.js';
import { normalizePassword } from '../password/policy.js';
import type { SessionService, StartedSession } from '../sessions/session-service.js';
import type { LoginThrottle, ThrottleKeys } from '../throttle/login-throttle.js';
import type { UserRepository } from '../user-repository.js';
import { qrCodeDataUrl } from './qr-code.js';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from './recovery-codes.js';
import type { SecretBox } from './secret-box.js';
import { matchTotpStep, newTotpSecret, totpUri } from './totp.js';
import type { TwoFactorRepository } from './two-factor-repository.js';

/** How long the second login step may wait after the password was accepted. */
export const CHALLENGE_TTL_MS = 5 * 60_000;
const CHALLENGE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export interface TwoFactorServiceDeps {
  readonly repository: TwoFactorRepository;
  readonly users: UserRepository;
  readonly throttle: LoginThrottle;
  readonly hasher: PasswordHasher;
  readonly sessions: SessionService;
  /** Encrypts TOTP secrets at rest (a key derived from SECRET_KEY). */
  readonly secretBox: SecretBox;
  readonly now?: () => number;
}

export type CodeFailure = { ok: false; reason: 'invalid_code' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };
export type CodeResult = { ok: true; method: 'totp' | 'recovery_code' } | CodeFailure;

export interface SetupDetails {
  readonly secret: string;
  readonly uri: string;
  readonly qrDataUrl: string;
}

function throttleKeys(userId: string, address: string): ThrottleKeys {
  // Their own keys: a wrong code must not lock the password step, nor the reverse.
  return { account: `totp:${userId}`, address: `totp-address:${address}` };
}

function hashChallengeToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * TOTP two-factor login (RFC 6238) with single-use recovery codes. Codes are throttled per account
 * and per address, and a time step once accepted is never accepted again (ASVS 5.0 6.5.1/6.5.5).
 */
export function createTwoFactorService(deps: TwoFactorServiceDeps) {
  // Read at each call (not captured), so a test's clock reaches it.
  const now = deps.now ?? (() => Date.now());
  const { repository, throttle, secretBox } = deps;

  async function enabledSecret(userId: string): Promise<string | null> {
    const state = await repository.findState(userId);
    if (!state || state.totp_enabled_at === 0) return null;
    return secretBox.open(state.totp_secret);
  }

  /** The throttle's answer before any check: a lockout, or null to go on. */
  async function lockout(keys: ThrottleKeys): Promise<CodeFailure | null> {
    const wait = await throttle.secondsLocked(keys);
    return wait > 0 ? { ok: false, reason: 'throttled', retryAfterSeconds: wait } : null;
  }

  /** Counts a failure; answers with the lockout it caused, or with `reason`. */
  async function failure<R extends string>(keys: ThrottleKeys, reason: R): Promise<{ ok: false; reason: R } | CodeFailure> {
    const locked = await throttle.recordFailure(keys);
    return locked > 0 ? { ok: false, reason: 'throttled', retryAfterSeconds: locked } : { ok: false, reason };
  }

  /** Checks a TOTP or recovery code for an account with two-factor login on, under throttling. */
  async function checkCode(userId: string, rawCode: string, address: string): Promise<CodeResult> {
    const keys = throttleKeys(userId, address);
    const locked = await lockout(keys);
    if (locked) return locked;
    const method = await acceptCode(userId, rawCode.trim());
    if (!method) return failure(keys, 'invalid_code');
    await throttle.recordSuccess(keys);
    return { ok: true, method };
  }

  async function acceptCode(userId: string, code: string): Promise<'totp' | 'recovery_code' | null> {
    const compactDigits = code.replace(/\s/g, '');
    if (/^\d{6}$/.test(compactDigits)) {
      const secret = await enabledSecret(userId);
      const step = secret === null ? null : matchTotpStep(secret, compactDigits, now());
      return step !== null && (await repository.claimStep(userId, step)) ? 'totp' : null;
    }
    const recovery = normalizeRecoveryCode(code);
    if (recovery === null) return null;
    return (await repository.useRecoveryCode(userId, hashRecoveryCode(recovery), now())) ? 'recovery_code' : null;
  }

  return {
    async status(userId: string): Promise<{ enabled: boolean; unusedRecoveryCodes: number }> {
      const state = await repository.findState(userId);
      const enabled = (state?.totp_enabled_at ?? 0) > 0;
      return { enabled, unusedRecoveryCodes: enabled ? await repository.countUnusedRecoveryCodes(userId) : 0 };
    },

    /** The secret awaiting confirmation (made now if there is none), with its URI and QR code. */
    async setupDetails(user: { readonly id: string; readonly username: string }): Promise<SetupDetails> {
      const state = await repository.findState(user.id);
      const pending = state?.totp_enabled_at === 0 ? state.totp_secret : '';
      const kept = pending.length > 0 ? secretBox.open(pending) : null;
      const base32 = kept ?? newTotpSecret();
      if (kept === null) await repository.setPendingSecret(user.id, secretBox.seal(base32));
      const uri = totpUri(base32, user.username);
      return { secret: base32, uri, qrDataUrl: await qrCodeDataUrl(uri) };
    },

    /** Confirms setup with a current code; turns two-factor login on and returns the recovery codes, shown once. */
    async confirm(userId: string, rawCode: string, address: string): Promise<{ ok: true; recoveryCodes: string[] } | CodeFailure | { ok: false; reason: 'already_enabled' }> {
      const state = await repository.findState(userId);
      if (!state || state.totp_enabled_at > 0) return { ok: false, reason: 'already_enabled' };
      const keys = throttleKeys(userId, address);
      const locked = await lockout(keys);
      if (locked) return locked;
      const secret = state.totp_secret === '' ? null : secretBox.open(state.totp_secret);
      const step = secret === null ? null : matchTotpStep(secret, rawCode.replace(/\s/g, ''), now());
      if (step === null) return failure(keys, 'invalid_code');
      const recoveryCodes = newRecoveryCodes();
      const hashes = recoveryCodes.map((code) => hashRecoveryCode(normalizeRecoveryCode(code) ?? code));
      if (!(await repository.enable(userId, state.totp_secret, step, hashes, now()))) return { ok: false, reason: 'already_enabled' };
      await throttle.recordSuccess(keys);
      return { ok: true, recoveryCodes };
    },

    checkCode,

    /** Turns two-factor login off after checking the password and a code (both throttled). */
    async disable(userId: string, password: string, code: string, address: string): Promise<{ ok: true } | CodeFailure | { ok: false; reason: 'wrong_password' } | { ok: false; reason: 'not_enabled' }> {
      const user = await deps.users.findById(userId);
      if (!user || user.totp_enabled_at === 0) return { ok: false, reason: 'not_enabled' };
      const keys = throttleKeys(userId, address);
      const locked = await lockout(keys);
      if (locked) return locked;
      if (!(await deps.hasher.verify(user.password_hash, normalizePassword(password)))) return failure(keys, 'wrong_password');
      const checked = await checkCode(userId, code, address);
      if (!checked.ok) return checked;
      await repository.disable(userId);
      return { ok: true };
    },

    /** An admin's reset for a user who lost their device: two-factor login off, recovery codes gone. */
    async reset(userId: string): Promise<void> {
      await repository.disable(userId);
    },

    /** Starts the second login step: a random token for the browser's cookie, only its hash stored. */
    async startChallenge(userId: string, next: string): Promise<string> {
      const token = randomBytes(32).toString('base64url');
      const at = now();
      await repository.insertChallenge({ id_hash: hashChallengeToken(token), user_id: userId, next, created_at: at, expires_at: at + CHALLENGE_TTL_MS });
      return token;
    },

    /** The pending login for a challenge cookie, or null when it is unknown, expired or no longer applies. */
    async findChallenge(token: string | undefined): Promise<{ userId: string; username: string; next: string } | null> {
      if (token === undefined || !CHALLENGE_TOKEN.test(token)) return null;
      const found = await repository.findChallenge(hashChallengeToken(token));
      if (!found) return null;
      if (found.expires_at <= now()) {
        await repository.deleteChallenge(hashChallengeToken(token));
        return null;
      }
      return { userId: found.user_id, username: found.username, next: found.next };
    },

    /**
     * Completes the second step: a good code ends the challenge (once: a concurrent second use finds
     * it gone) and starts a fresh session.
     */
    async completeChallenge(token: string, userId: string, userAgent: string): Promise<StartedSession | null> {
      if (!(await repository.deleteChallenge(hashChallengeToken(token)))) return null;
      return deps.sessions.start(userId, userAgent);
    },

    /** Seconds the second step of `userId` from `address` is locked (wrong codes and refused passkeys alike), or 0. */
    secondStepWait: (userId: string, address: string) => throttle.secondsLocked(throttleKeys(userId, address)),
    /** A passkey refused at the second step counts like a wrong code; returns the lockout it caused in seconds (0 if none). */
    recordSecondStepFailure: (userId: string, address: string) => throttle.recordFailure(throttleKeys(userId, address)),
    recordSecondStepSuccess: (userId: string, address: string) => throttle.recordSuccess(throttleKeys(userId, address)),

    async endChallenge(token: string | undefined): Promise<void> {
      if (token !== undefined && CHALLENGE_TOKEN.test(token)) await repository.deleteChallenge(hashChallengeToken(token));
    },

    async purgeExpired(): Promise<number> {
      return repository.deleteExpiredChallenges(now());
    },
  };
}

export type TwoFactorService = ReturnType<typeof createTwoFactorService>;

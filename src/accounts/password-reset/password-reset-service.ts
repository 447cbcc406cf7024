import type { MailOutbox } from '../../mail/mail-outbox.js';
import { emailErrors, emailKey, normalizeEmail, usernameKey } from '../identity.js';
import { hasErrors, newPasswordErrors, type NewPasswordErrors } from '../password/new-password.js';
import type { PasswordHasher } from '../password/hashing.js';
import { normalizePassword } from '../password/policy.js';
import type { PasswordReplacer } from '../password/replace-password.js';
import type { LoginThrottle } from '../throttle/login-throttle.js';
import type { RequestLimit } from '../throttle/request-limit.js';
import type { UserRepository } from '../user-repository.js';
import { resetMail } from './reset-mail.js';
import type { ResetTokenOwner, ResetTokenRepository } from './reset-token-repository.js';
import { generateResetToken, hashResetToken, isWellFormedResetToken, RESET_TOKEN_TTL_MS } from './reset-token.js';

export interface PasswordResetDeps {
  readonly users: UserRepository;
  readonly resetTokens: ResetTokenRepository;
  readonly hasher: PasswordHasher;
  readonly replacePassword: PasswordReplacer;
  /** Reset requests per email address, per client address and mails per account. */
  readonly limits: ResetLimits;
  /** The login throttle, to lift an account's lockout once its password has been reset. */
  readonly loginThrottle: LoginThrottle;
  /** Undefined when SMTP is not configured: resets are then refused as unavailable. */
  readonly outbox: MailOutbox | undefined;
  readonly publicUrl: string;
  readonly now?: () => number;
}

export interface ResetLimits {
  readonly perEmail: RequestLimit;
  readonly perClient: RequestLimit;
  readonly perAccount: RequestLimit;
}

// One address may serve several accounts (each gets its own mail); a bound keeps one request cheap.
const MAX_ACCOUNTS_PER_ADDRESS = 10;

export type ResetRequestResult =
  /** `mailed`: the accounts a link went to, for the audit log only (the answer never depends on it). */
  | { ok: true; mailed: { id: string; username: string }[] }
  | { ok: false; reason: 'invalid'; errors: string[] }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number }
  | { ok: false; reason: 'unavailable' };

export type ResetConfirmResult =
  | { ok: true; userId: string; username: string }
  | { ok: false; reason: 'invalid_link' }
  | { ok: false; reason: 'invalid'; errors: NewPasswordErrors; username: string };

export function createPasswordResetService(deps: PasswordResetDeps) {
  const now = deps.now ?? Date.now;

  async function issueToken(userId: string): Promise<string> {
    const token = generateResetToken();
    const at = now();
    await deps.resetTokens.insert({ token_hash: hashResetToken(token), user_id: userId, created_at: at, expires_at: at + RESET_TOKEN_TTL_MS });
    return token;
  }

  return {
    available: deps.outbox !== undefined,

    /**
     * Mails a reset link to every account with this address. The answer is the same whether or not
     * one exists (OWASP Forgot Password: no enumeration), and so is the work done before answering:
     * a token is made and hashed either way, and the mail goes out after the answer.
     */
    async request(input: { email: string; address: string }): Promise<ResetRequestResult> {
      const outbox = deps.outbox;
      if (!outbox) return { ok: false, reason: 'unavailable' };
      const email = normalizeEmail(input.email);
      const errors = emailErrors(email);
      if (errors.length > 0) return { ok: false, reason: 'invalid', errors };
      // Per address and per client: the same for known and unknown addresses, so a refusal says nothing.
      const emailLimitKey = `reset-email:${emailKey(email)}`;
      const clientKey = `reset-address:${input.address}`;
      const waitSeconds = Math.max(await deps.limits.perEmail.secondsLocked(emailLimitKey), await deps.limits.perClient.secondsLocked(clientKey));
      if (waitSeconds > 0) return { ok: false, reason: 'throttled', retryAfterSeconds: waitSeconds };
      await deps.limits.perEmail.hit(emailLimitKey);
      await deps.limits.perClient.hit(clientKey);

      const users = (await deps.users.findByEmail(email)).slice(0, MAX_ACCOUNTS_PER_ADDRESS);
      const mailed: { id: string; username: string }[] = [];
      if (users.length === 0) hashResetToken(generateResetToken());
      for (const user of users) {
        // Per account, silently: a throttled account gets no further mail, and the answer stays the same.
        const accountKey = `reset-account:${user.id}`;
        if ((await deps.limits.perAccount.secondsLocked(accountKey)) > 0) continue;
        await deps.limits.perAccount.hit(accountKey);
        const token = await issueToken(user.id);
        outbox.post(resetMail(user.email, user.username, token, deps.publicUrl), { kind: 'password_reset', user_id: user.id });
        mailed.push({ id: user.id, username: user.username });
      }
      return { ok: true, mailed };
    },

    /** The account a link would reset, or undefined for a malformed, unknown, used or expired link. */
    async check(token: string): Promise<ResetTokenOwner | undefined> {
      if (!isWellFormedResetToken(token)) return undefined;
      return deps.resetTokens.findLive(hashResetToken(token), now());
    },

    /** Sets the new password through a link: single use; every session of the account ends. */
    async confirm(input: { token: string; password1: string; password2: string }): Promise<ResetConfirmResult> {
      if (!isWellFormedResetToken(input.token)) return { ok: false, reason: 'invalid_link' };
      const tokenHash = hashResetToken(input.token);
      const owner = await deps.resetTokens.findLive(tokenHash, now());
      if (!owner) return { ok: false, reason: 'invalid_link' };
      const errors = await newPasswordErrors(input.password1, input.password2, owner);
      if (hasErrors(errors)) return { ok: false, reason: 'invalid', errors, username: owner.username };
      const passwordHash = await deps.hasher.hash(normalizePassword(input.password1));
      // Used up only now, atomically: of two racing requests, one wins and the other is told the link is spent.
      const userId = await deps.resetTokens.consume(tokenHash, now());
      if (userId !== owner.userId) return { ok: false, reason: 'invalid_link' };
      await deps.replacePassword(userId, passwordHash);
      // Whoever holds the mailbox could reset anyway: a lockout from guessing no longer protects anything.
      await deps.loginThrottle.recordSuccess({ account: `account:${usernameKey(owner.username)}`, address: '' });
      return { ok: true, userId, username: owner.username };
    },

    async purgeExpired(): Promise<number> {
      return deps.resetTokens.deleteExpired(now());
    },
  };
}

export type PasswordResetService = ReturnType<typeof createPasswordResetService>;

import { randomBytes } from 'node:crypto';
import type { PasswordHasher } from './password/hashing.js';
import { normalizePassword, validatePassword } from './password/policy.js';
import { emailErrors, normalizeEmail, normalizeUsername, usernameErrors, usernameKey } from './identity.js';
import type { SessionService, StartedSession } from './sessions/session-service.js';
import type { LoginThrottle } from './throttle/login-throttle.js';
import type { UserRepository } from './user-repository.js';

export interface SignupInput {
  readonly username: string;
  readonly email: string;
  readonly password1: string;
  readonly password2: string;
}

export type SignupErrors = Partial<Record<keyof SignupInput | 'form', string[]>>;

export type SignupResult = { ok: true; userId: string } | { ok: false; errors: SignupErrors };

export interface LoginInput {
  readonly username: string;
  readonly password: string;
  readonly address: string;
  readonly userAgent: string;
}

export type LoginResult =
  | { ok: true; secondFactor: false; session: StartedSession; user: { id: string; username: string } }
  /** The password was right and the account has a second factor (TOTP or a passkey): no session until that step. */
  | { ok: true; secondFactor: true; user: { id: string; username: string } }
  | { ok: false; reason: 'invalid_credentials'; lockedSeconds: number }
  /** The password was right but an admin disabled the account (Django's confirm_login_allowed). */
  | { ok: false; reason: 'disabled'; user: { id: string; username: string } }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface AccountServiceEvents {
  loginFailed?(info: { reason: 'invalid_credentials' | 'throttled'; lockedSeconds: number }): void;
}

export interface AccountServiceDeps {
  readonly users: UserRepository;
  readonly sessions: SessionService;
  readonly throttle: LoginThrottle;
  readonly hasher: PasswordHasher;
  readonly events?: AccountServiceEvents;
  /** Whether the user has a passkey, which (like TOTP) makes the password step ask for a second factor. */
  readonly hasPasskey?: (userId: string) => Promise<boolean>;
  readonly now?: () => number;
}

/** Random, non-sequential user ids (128 bits, base64url). */
function newUserId(): string {
  return randomBytes(16).toString('base64url');
}

export function createAccountService(deps: AccountServiceDeps) {
  const now = deps.now ?? Date.now;

  return {
    async signup(input: SignupInput): Promise<SignupResult> {
      const username = normalizeUsername(input.username);
      const email = normalizeEmail(input.email);
      const password = normalizePassword(input.password1);
      const errors: SignupErrors = {};
      const add = (field: keyof SignupErrors, messages: string[]) => {
        if (messages.length > 0) errors[field] = [...(errors[field] ?? []), ...messages];
      };
      add('username', usernameErrors(username));
      add('email', emailErrors(email));
      if (input.password1 !== input.password2) add('password2', ['The two password fields didn’t match.']);
      if (input.password1.length === 0) add('password1', ['Enter a password.']);
      else add('password1', await validatePassword(password, { username, email }));
      if (Object.keys(errors).length > 0) return { ok: false, errors };

      const at = now();
      const id = newUserId();
      const inserted = await deps.users.insert({
        id,
        username,
        username_key: usernameKey(username),
        email,
        password_hash: await deps.hasher.hash(password),
        created_at: at,
        password_changed_at: at,
      });
      if (!inserted) return { ok: false, errors: { username: ['A user with that username already exists.'] } };
      return { ok: true, userId: id };
    },

    /**
     * Checks the credentials under throttling. Unknown users cost one argon2 verification
     * against a dummy hash, like a wrong password, and get the same answer (no user enumeration).
     */
    async login(input: LoginInput): Promise<LoginResult> {
      const key = usernameKey(input.username);
      const keys = { account: `account:${key}`, address: `address:${input.address}` };
      const waitSeconds = await deps.throttle.secondsLocked(keys);
      if (waitSeconds > 0) {
        deps.events?.loginFailed?.({ reason: 'throttled', lockedSeconds: waitSeconds });
        return { ok: false, reason: 'throttled', retryAfterSeconds: waitSeconds };
      }
      const password = normalizePassword(input.password);
      const found = key === '' ? undefined : await deps.users.findByUsernameKey(key);
      // A deleted account (or its tombstone) answers exactly like an unknown username: no enumeration.
      const user = found && found.deleted_at === 0 ? found : undefined;
      const valid = user ? await deps.hasher.verify(user.password_hash, password) : await deps.hasher.verifyAgainstDummy(password);
      if (!user || !valid) {
        const lockedSeconds = await deps.throttle.recordFailure(keys);
        deps.events?.loginFailed?.({ reason: 'invalid_credentials', lockedSeconds });
        return { ok: false, reason: 'invalid_credentials', lockedSeconds };
      }
      if (user.disabled_at > 0) return { ok: false, reason: 'disabled', user: { id: user.id, username: user.username } };
      await deps.throttle.recordSuccess(keys);
      // Rehash on login when the configured argon2 parameters have risen (OWASP Password Storage).
      if (deps.hasher.needsRehash(user.password_hash)) {
        await deps.users.updatePasswordHash(user.id, await deps.hasher.hash(password), user.password_changed_at);
      }
      if (user.totp_enabled_at > 0 || (await deps.hasPasskey?.(user.id))) return { ok: true, secondFactor: true, user: { id: user.id, username: user.username } };
      const session = await deps.sessions.start(user.id, input.userAgent);
      return { ok: true, secondFactor: false, session, user: { id: user.id, username: user.username } };
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

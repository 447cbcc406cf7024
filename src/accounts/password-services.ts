import type { FastifyBaseLogger } from 'fastify';
import type { MailConfig } from '../config/mail-config.js';
import type { Db } from '../db/database.js';
import { createMailOutbox } from '../mail/mail-outbox.js';
import { createSmtpMailer } from '../mail/smtp-mailer.js';
import { createPasswordChangeService } from './password-change/password-change-service.js';
import type { PasswordHasher } from './password/hashing.js';
import { createPasswordReplacer } from './password/replace-password.js';
import { createPasswordResetService } from './password-reset/password-reset-service.js';
import { createResetTokenRepository } from './password-reset/reset-token-repository.js';
import type { SessionService } from './sessions/session-service.js';
import type { LoginThrottle } from './throttle/login-throttle.js';
import { createRequestLimit } from './throttle/request-limit.js';
import { createThrottleRepository } from './throttle/throttle-repository.js';
import type { UserRepository } from './user-repository.js';

export interface PasswordServicesDeps {
  readonly db: Db;
  readonly users: UserRepository;
  readonly sessions: SessionService;
  readonly hasher: PasswordHasher;
  readonly loginThrottle: LoginThrottle;
  /** SMTP_URL, MAIL_FROM, PUBLIC_URL; undefined: reset by email is unavailable. */
  readonly mail: MailConfig | undefined;
  readonly log: FastifyBaseLogger;
}

const HOUR_SECONDS = 3600;
// OWASP Forgot Password: limit requests so the form cannot flood a mailbox or probe many addresses.
const RESETS_PER_EMAIL = 5;
const RESETS_PER_CLIENT = 20;
const MAILS_PER_ACCOUNT = 3;

/** Password change and password reset by email, with the outbox that sends reset mail. */
export function createPasswordServices(deps: PasswordServicesDeps) {
  const resetTokens = createResetTokenRepository(deps.db);
  const replacePassword = createPasswordReplacer({ users: deps.users, sessions: deps.sessions, resetTokens });
  const throttleRows = createThrottleRepository(deps.db);
  const limit = (max: number) => createRequestLimit(throttleRows, { max, windowSeconds: HOUR_SECONDS });
  const outbox = deps.mail ? createMailOutbox(createSmtpMailer(deps.mail), deps.log) : undefined;
  return {
    outbox,
    passwordChange: createPasswordChangeService({ users: deps.users, sessions: deps.sessions, hasher: deps.hasher, throttle: deps.loginThrottle, replacePassword }),
    resets: createPasswordResetService({
      users: deps.users,
      resetTokens,
      hasher: deps.hasher,
      replacePassword,
      limits: { perEmail: limit(RESETS_PER_EMAIL), perClient: limit(RESETS_PER_CLIENT), perAccount: limit(MAILS_PER_ACCOUNT) },
      loginThrottle: deps.loginThrottle,
      outbox,
      publicUrl: deps.mail?.publicUrl ?? '',
    }),
  };
}

import { hash, randomBytes } from 'node:crypto';
import type { SessionConfig } from '../../config/config.js';
import type { SessionRepository, SessionWithUser } from './session-repository.js';
import { sessionRef } from './session-ref.js';

const TOKEN_BYTES = 32; // 256 bits; OWASP Session Management asks for at least 64 bits of entropy.
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const TOUCH_INTERVAL_MS = 60_000;
const USER_AGENT_MAX = 200;

/** SHA-256 of a session token: what the database keeps, so a leaked table holds no usable session. */
export function hashSessionToken(token: string): string {
  // The one-shot crypto.hash (Node 20.12+): ~0.3 µs against ~1.1 for a Hash object, on every signed-in request.
  return hash('sha256', token, 'hex');
}

export interface StartedSession {
  readonly token: string;
  readonly idHash: string;
}

export function createSessionService(repository: SessionRepository, config: SessionConfig, now: () => number = Date.now) {
  const idleMs = config.idleTimeoutSeconds * 1000;
  const absoluteMs = config.absoluteTimeoutSeconds * 1000;
  // last_seen_at is written at most once a minute, but always well within the idle timeout:
  // with a short idle timeout a once-a-minute touch would expire sessions that are in use.
  const touchIntervalMs = Math.min(TOUCH_INTERVAL_MS, Math.floor(idleMs / 10));

  return {
    /** Starts a fresh session with a new random id (never reuses one: no session fixation). */
    async start(userId: string, userAgent: string): Promise<StartedSession> {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const idHash = hashSessionToken(token);
      const at = now();
      await repository.insert({
        id_hash: idHash,
        user_id: userId,
        created_at: at,
        last_seen_at: at,
        expires_at: at + absoluteMs,
        user_agent: sanitizeUserAgent(userAgent),
      });
      return { token, idHash };
    },

    /** The live session for a cookie value, or null; expired sessions are deleted on sight. */
    async resolve(token: string): Promise<SessionWithUser | null> {
      if (!TOKEN_PATTERN.test(token)) return null;
      const idHash = hashSessionToken(token);
      const found = await repository.findWithUser(idHash);
      if (!found) return null;
      const at = now();
      if (at >= found.session.expires_at || at - found.session.last_seen_at >= idleMs) {
        await repository.delete(idHash);
        return null;
      }
      if (at - found.session.last_seen_at >= touchIntervalMs) await repository.touch(idHash, at);
      return found;
    },

    async end(idHash: string): Promise<void> {
      await repository.delete(idHash);
    },

    /** "Log out everywhere": ends every session of the user. */
    async endAll(userId: string): Promise<number> {
      return repository.deleteAllForUser(userId);
    },

    async list(userId: string) {
      return repository.listForUser(userId);
    },

    /**
     * Ends the user's session with this public ref (see session-ref.ts); resolves the ended
     * session's id hash, or null when the user has no such session (another user's ref included).
     */
    async endByRef(userId: string, ref: string): Promise<string | null> {
      const match = (await repository.listForUser(userId)).find((session) => sessionRef(session.id_hash) === ref);
      if (!match) return null;
      return (await repository.deleteOwned(userId, match.id_hash)) ? match.id_hash : null;
    },

    /** "Log out everywhere else": every session of the user but this one. */
    async endOthers(userId: string, keepIdHash: string): Promise<number> {
      return repository.deleteAllForUserExcept(userId, keepIdHash);
    },

    async purgeExpired(): Promise<number> {
      const at = now();
      return repository.deleteExpired(at, at - idleMs);
    },

    /** Cookie lifetime: the absolute timeout (the idle timeout is enforced on the server). */
    cookieMaxAgeSeconds: config.absoluteTimeoutSeconds,
  };
}

function sanitizeUserAgent(userAgent: string): string {
  return userAgent.replace(/[^\x20-\x7e]/g, '').slice(0, USER_AGENT_MAX);
}

export type SessionService = ReturnType<typeof createSessionService>;

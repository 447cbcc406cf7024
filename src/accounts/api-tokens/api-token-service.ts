import type { AuthenticatedUser } from '../../security/route-options.js';
import { displayPrefixOf, generateApiToken, generateApiTokenId, hashApiToken, isWellFormedApiToken, isWellFormedApiTokenId } from './api-token-format.js';
import { apiTokenNameErrors, normalizeApiTokenName } from './api-token-name.js';
import type { ApiTokenRepository, ApiTokenRow } from './api-token-repository.js';

// last_used_at is informative, not an audit log: one write a minute per token at most.
const TOUCH_INTERVAL_MS = 60_000;

/** What an owner sees of a token: never the token or its hash. */
export interface ApiTokenSummary {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export type CreateApiTokenResult =
  | { readonly ok: true; readonly token: string; readonly summary: ApiTokenSummary }
  | { readonly ok: false; readonly errors: readonly string[] };

export interface ApiTokenAuthentication {
  readonly tokenId: string;
  readonly user: AuthenticatedUser;
}

export function createApiTokenService(repository: ApiTokenRepository, now: () => number = Date.now) {
  return {
    /** Creates a token; the returned secret is the only copy there will ever be. */
    async create(userId: string, rawName: string): Promise<CreateApiTokenResult> {
      const name = normalizeApiTokenName(rawName);
      const errors = apiTokenNameErrors(name);
      if (errors.length > 0) return { ok: false, errors };
      const token = generateApiToken();
      const row = { id: generateApiTokenId(), user_id: userId, name, prefix: displayPrefixOf(token), created_at: now(), last_used_at: null };
      await repository.insert({ ...row, token_hash: hashApiToken(token) });
      return { ok: true, token, summary: summarize(row) };
    },

    /** The user's tokens, newest first. */
    async list(userId: string, limit: number, offset = 0): Promise<ApiTokenSummary[]> {
      return (await repository.listForUser(userId, limit, offset)).map(summarize);
    },

    /** Revokes (deletes) one of the user's tokens; false when the user has no token with that id. */
    async revoke(userId: string, id: string): Promise<boolean> {
      if (!isWellFormedApiTokenId(id)) return false;
      return repository.deleteForUser(userId, id);
    },

    /** The summary of `userId`'s live token whose secret is `token`; undefined for anyone else's, a revoked or a malformed one. */
    async findOwnSummary(userId: string, token: string): Promise<ApiTokenSummary | undefined> {
      if (!isWellFormedApiToken(token)) return undefined;
      const found = await repository.findByHashWithUser(hashApiToken(token));
      return found && found.user.id === userId ? summarize(found.token) : undefined;
    },

    /** The user a presented token belongs to, or null for a malformed, unknown or revoked token. */
    async authenticate(token: string): Promise<ApiTokenAuthentication | null> {
      if (!isWellFormedApiToken(token)) return null;
      const found = await repository.findByHashWithUser(hashApiToken(token));
      if (!found) return null;
      const at = now();
      const lastUsedAt = found.token.last_used_at;
      if (lastUsedAt === null || at - lastUsedAt >= TOUCH_INTERVAL_MS) await repository.touch(found.token.id, at, at - TOUCH_INTERVAL_MS);
      return { tokenId: found.token.id, user: found.user };
    },
  };
}

function summarize(row: ApiTokenRow): ApiTokenSummary {
  return { id: row.id, name: row.name, prefix: row.prefix, createdAt: row.created_at, lastUsedAt: row.last_used_at };
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>;

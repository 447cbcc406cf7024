import { compileLookup } from '../../db/compiled-query.js';
import { AUTHENTICATED_USER_COLUMNS, splitAuthenticatedUser } from '../authenticated-user-row.js';
import type { Db } from '../../db/database.js';
import type { ApiTokensTable } from '../../db/schema.js';
import type { AuthenticatedUser } from '../../security/route-options.js';

export type ApiTokenRow = Omit<ApiTokensTable, 'token_hash'>;

export interface ApiTokenWithUser {
  readonly token: ApiTokenRow;
  readonly user: AuthenticatedUser;
}

const LISTED_COLUMNS = ['id', 'user_id', 'name', 'prefix', 'created_at', 'last_used_at'] as const;

/** All SQL about API tokens. */
export function createApiTokenRepository(db: Db) {
  const tokenWithUser = compileLookup(db, (slot) =>
    db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id',
        'api_tokens.user_id',
        'api_tokens.name',
        'api_tokens.prefix',
        'api_tokens.created_at',
        'api_tokens.last_used_at',
        ...AUTHENTICATED_USER_COLUMNS,
      ])
      .where('api_tokens.token_hash', '=', slot(0))
      // A disabled account's tokens stop working at once (migration 0011).
      .where('users.disabled_at', '=', 0)
      // One row at most (token_hash is unique): run as a single-row get (statement-cache.ts).
      .limit(1),
  );
  return {
    async insert(row: ApiTokensTable): Promise<void> {
      await db.insertInto('api_tokens').values(row).execute();
    },
    /** One indexed look-up (unique token_hash) joined to the token's user; compiled once, as every API request makes it. */
    async findByHashWithUser(tokenHash: string): Promise<ApiTokenWithUser | undefined> {
      const row = await tokenWithUser.first(tokenHash);
      if (!row) return undefined;
      const { credential, user } = splitAuthenticatedUser(row);
      return { token: credential, user };
    },
    /** The user's tokens, newest first (index api_tokens_user_created). */
    async listForUser(userId: string, limit: number, offset: number): Promise<ApiTokenRow[]> {
      return db
        .selectFrom('api_tokens')
        .select(LISTED_COLUMNS)
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute();
    },
    /** Deletes the token only when it belongs to `userId`; false when there was no such token. */
    async deleteForUser(userId: string, id: string): Promise<boolean> {
      const result = await db.deleteFrom('api_tokens').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    /** Records a use, unless one was recorded since `notAfter` (a concurrent request already did). */
    async touch(id: string, usedAt: number, notAfter: number): Promise<void> {
      await db
        .updateTable('api_tokens')
        .set({ last_used_at: usedAt })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', notAfter)]))
        .execute();
    },
  };
}

export type ApiTokenRepository = ReturnType<typeof createApiTokenRepository>;

import { compileLookup } from '../../db/compiled-query.js';
import { AUTHENTICATED_USER_COLUMNS, splitAuthenticatedUser } from '../authenticated-user-row.js';
import type { Db } from '../../db/database.js';
import type { SessionsTable } from '../../db/schema.js';
import type { AuthenticatedUser } from '../../security/route-options.js';

export interface SessionWithUser {
  readonly session: SessionsTable;
  readonly user: AuthenticatedUser;
}

/** All SQL about sessions. */
export function createSessionRepository(db: Db) {
  const sessionWithUser = compileLookup(db, (slot) =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select([
        'sessions.id_hash',
        'sessions.user_id',
        'sessions.created_at',
        'sessions.last_seen_at',
        'sessions.expires_at',
        'sessions.user_agent',
        ...AUTHENTICATED_USER_COLUMNS,
      ])
      .where('sessions.id_hash', '=', slot(0))
      // A disabled account's credentials stop working at once, whatever else is left (migration 0011).
      .where('users.disabled_at', '=', 0)
      // One row at most (the primary key): said, so SQLite runs it as a single-row get (statement-cache.ts).
      .limit(1),
  );
  return {
    async insert(session: SessionsTable): Promise<void> {
      await db.insertInto('sessions').values(session).execute();
    },
    /** One indexed look-up (primary key) joined to its user; compiled once, as every signed-in request makes it. */
    async findWithUser(idHash: string): Promise<SessionWithUser | undefined> {
      const row = await sessionWithUser.first(idHash);
      if (!row) return undefined;
      const { credential, user } = splitAuthenticatedUser(row);
      return { session: credential, user };
    },
    async touch(idHash: string, lastSeenAt: number): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id_hash', '=', idHash).execute();
    },
    async delete(idHash: string): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    },
    async deleteAllForUser(userId: string): Promise<number> {
      const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    /** Ends one session, only if it is this user's; resolves whether it did. */
    async deleteOwned(userId: string, idHash: string): Promise<boolean> {
      const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '=', idHash).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async deleteAllForUserExcept(userId: string, keepIdHash: string): Promise<number> {
      const result = await db.deleteFrom('sessions').where('user_id', '=', userId).where('id_hash', '!=', keepIdHash).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async listForUser(userId: string): Promise<SessionsTable[]> {
      return db.selectFrom('sessions').selectAll().where('user_id', '=', userId).orderBy('last_seen_at', 'desc').execute();
    },
    /** Removes sessions past their absolute expiry or idle for longer than `idleCutoff`. */
    async deleteExpired(now: number, idleCutoff: number): Promise<number> {
      const result = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleCutoff)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;

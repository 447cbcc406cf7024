import type { Db } from '../db/database.js';
import type { Insertable, Selectable } from 'kysely';
import type { UsersTable } from '../db/schema.js';
import { emailKey } from './identity.js';

export type UserRecord = Selectable<UsersTable>;
export type NewUser = Omit<Insertable<UsersTable>, 'email_key'>;

export interface UserRepositoryOptions {
  /** The storage quota a new account gets (USER_QUOTA_MB); undefined: no limit. */
  readonly newUserQuotaBytes?: number | undefined;
}

/** All SQL about users. Kysely parameterises every value. */
export function createUserRepository(db: Db, options: UserRepositoryOptions = {}) {
  return {
    async findByUsernameKey(usernameKey: string): Promise<UserRecord | undefined> {
      return db.selectFrom('users').selectAll().where('username_key', '=', usernameKey).executeTakeFirst();
    },
    async findById(id: string): Promise<UserRecord | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Every account with this email address, compared case-insensitively (addresses are not unique). */
    async findByEmail(email: string): Promise<UserRecord[]> {
      return db.selectFrom('users').selectAll().where('email_key', '=', emailKey(email)).orderBy('created_at').execute();
    },
    /** Inserts the user; resolves false when the username is already taken (unique index). */
    async insert(user: NewUser): Promise<boolean> {
      const result = await db
        .insertInto('users')
        .values({ storage_quota_bytes: options.newUserQuotaBytes ?? null, ...user, email_key: emailKey(user.email) })
        .onConflict((oc) => oc.column('username_key').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async updatePasswordHash(id: string, passwordHash: string, changedAt: number): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash, password_changed_at: changedAt }).where('id', '=', id).execute();
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { UserRole } from '../db/schema.js';

export interface AdminUserRow {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly role: UserRole;
  readonly disabled_at: number;
  readonly totp_enabled_at: number;
  readonly created_at: number;
  /** When the owner deleted the account (migration 0020); 0 while it lives. */
  readonly deleted_at: number;
  /** Bytes; null: no limit (migration 0014). */
  readonly storage_quota_bytes: number | null;
  /** Registered passkeys: with TOTP, the user's second factors. */
  readonly passkey_count: number;
}

export interface HeldPhotoRow {
  readonly id: string;
  readonly owner_id: string;
  readonly owner_name: string;
  readonly title: string;
  readonly status_detail: string;
  readonly width: number;
  readonly height: number;
  readonly created_at: number;
}

const USER_COLUMNS = ['id', 'username', 'email', 'role', 'disabled_at', 'totp_enabled_at', 'created_at', 'storage_quota_bytes', 'deleted_at'] as const;

/** All SQL of the administration: roles, disabled accounts, the moderation queue. */
export function createAdminRepository(db: Db) {
  const users = () =>
    db.selectFrom('users').select((eb) => [
      ...USER_COLUMNS,
      eb.selectFrom('passkeys').select(eb.fn.countAll<number | string>().as('n')).whereRef('passkeys.user_id', '=', 'users.id').as('passkey_count'),
    ]);
  // PostgreSQL answers count(*) as a bigint string.
  const userRow = <T extends { passkey_count: number | string | null }>(row: T): T & { passkey_count: number } => ({ ...row, passkey_count: Number(row.passkey_count ?? 0) });

  const held = () =>
    db
        .selectFrom('photos')
        .innerJoin('users', 'users.id', 'photos.owner_id')
        .select(['photos.id', 'photos.owner_id', 'users.username as owner_name', 'photos.title', 'photos.status_detail', 'photos.width', 'photos.height', 'photos.created_at'])
      .where('photos.status', '=', 'held');

  return {
    async findUser(id: string): Promise<AdminUserRow | undefined> {
      const row = await users().where('id', '=', id).executeTakeFirst();
      return row && userRow(row);
    },
    async findUserByKey(usernameKey: string): Promise<AdminUserRow | undefined> {
      const row = await users().where('username_key', '=', usernameKey).executeTakeFirst();
      return row && userRow(row);
    },
    /** Users by username; `keyPrefix` (a username key) narrows the list. */
    async listUsers(keyPrefix: string, limit: number, offset: number): Promise<AdminUserRow[]> {
      let query = users();
      // LIKE with its wildcards escaped: the prefix is data, never a pattern.
      if (keyPrefix !== '') query = query.where(sql<boolean>`username_key like ${`${keyPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`);
      return (await query.orderBy('username_key').limit(limit).offset(offset).execute()).map(userRow);
    },
    async setRole(id: string, role: UserRole): Promise<boolean> {
      const result = await db.updateTable('users').set({ role }).where('id', '=', id).where('role', '<>', role).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    /** Disables (at > 0) or enables (0) the account and, when disabling, ends its sessions: in one transaction. */
    async setDisabled(id: string, at: number): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const result = await trx.updateTable('users').set({ disabled_at: at }).where('id', '=', id).where('disabled_at', at > 0 ? '=' : '>', 0).executeTakeFirst();
        if (at > 0) {
          await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
          await trx.deleteFrom('login_challenges').where('user_id', '=', id).execute();
        }
        return Number(result.numUpdatedRows) === 1;
      });
    },
    async setPasswordHash(id: string, passwordHash: string, at: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: at }).where('id', '=', id).execute();
        await trx.deleteFrom('sessions').where('user_id', '=', id).execute();
      });
    },
    /** Held photos, oldest first (index photos_status_created), with their owners' names. */
    async listHeld(limit: number, offset: number): Promise<HeldPhotoRow[]> {
      return held()
        .orderBy('photos.created_at')
        .orderBy('photos.id')
        .limit(limit)
        .offset(offset)
        .execute();
    },
    async findHeld(id: string): Promise<HeldPhotoRow | undefined> {
      return held().where('photos.id', '=', id).executeTakeFirst();
    },
    /** Moves a held photo to `ready` or `removed`; false when it is no longer held (another admin was first). */
    async decideHeld(id: string, status: 'ready' | 'removed', detail: string, at: number): Promise<boolean> {
      const result = await db.updateTable('photos').set({ status, status_detail: detail, updated_at: at }).where('id', '=', id).where('status', '=', 'held').executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

export type AdminRepository = ReturnType<typeof createAdminRepository>;

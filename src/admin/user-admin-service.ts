import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { usernameKey } from '../accounts/identity.js';
import type { PasswordHasher } from '../accounts/password/hashing.js';
import { normalizePassword, validatePassword } from '../accounts/password/policy.js';
import type { AuditEvent } from '../audit/audit-events.js';
import type { AuditLog, AuditParty } from '../audit/audit-log.js';
import type { AdminRepository, AdminUserRow } from './admin-repository.js';

export interface UserAdminDeps {
  readonly repository: AdminRepository;
  readonly audit: AuditLog;
  readonly hasher: PasswordHasher;
  /** Ends every session of a user (sessions/session-service). */
  readonly endSessions: (userId: string) => Promise<number>;
  /** Turns a user's two-factor login off: TOTP and every passkey (two-factor, passkeys). */
  readonly resetTwoFactor: (userId: string) => Promise<void>;
  /** Sets a user's storage quota in bytes, null for no limit (quotas/quota-service). */
  readonly setQuota: (userId: string, bytes: number | null) => Promise<boolean>;
  readonly now?: () => number;
}

/** TOTP, passkeys or both: what a two-factor reset removes. */
export function hasSecondFactor(user: Pick<AdminUserRow, 'totp_enabled_at' | 'passkey_count'>): boolean {
  return user.totp_enabled_at > 0 || user.passkey_count > 0;
}

/** Who acts and from where: an admin's request, or the operator's CLI. */
export interface AdminActor {
  readonly party: AuditParty;
  readonly request?: Pick<FastifyRequest, 'ip' | 'id'> | undefined;
}

export type AdminOutcome = { ok: true; changed: boolean; user: AdminUserRow } | { ok: false; reason: 'no_such_user' | 'own_account' | 'weak_password'; errors?: string[] };

/**
 * Managing users: roles, disabling, sessions, two-factor resets and password resets. Shared by
 * the admin pages and `npm run admin`; every action is audited with its actor.
 */
export function createUserAdminService(deps: UserAdminDeps) {
  const now = deps.now ?? (() => Date.now());
  const { repository, audit } = deps;

  const record = (event: AuditEvent, actor: AdminActor, user: AdminUserRow, detail?: string) =>
    audit.record({ event, actor: actor.party, target: { id: user.id, name: user.username }, request: actor.request, detail });

  /** An action on one user: refuses an admin acting on their own account where that could lock them out. */
  async function act(userId: string, actor: AdminActor, event: AuditEvent, change: (user: AdminUserRow) => Promise<boolean | number>, protectSelf = false): Promise<AdminOutcome> {
    const user = await repository.findUser(userId);
    // A deleted account (or its tombstone) is past administration: nothing may revive it.
    if (!user || user.deleted_at > 0) return { ok: false, reason: 'no_such_user' };
    if (protectSelf && actor.party.id === user.id) return { ok: false, reason: 'own_account' };
    const result = await change(user);
    const changed = typeof result === 'number' ? result > 0 : result;
    await record(event, actor, user, typeof result === 'number' ? `sessions ended: ${result}` : changed ? undefined : 'no change');
    return { ok: true, changed, user: (await repository.findUser(userId)) ?? user };
  }

  return {
    findUser: (id: string) => repository.findUser(id),
    findByUsername: (username: string) => repository.findUserByKey(usernameKey(username)),
    listUsers: (query: string, limit: number, offset: number) => repository.listUsers(usernameKey(query), limit, offset),

    promote: (userId: string, actor: AdminActor) => act(userId, actor, 'admin_promoted', (u) => repository.setRole(u.id, 'admin')),
    demote: (userId: string, actor: AdminActor) => act(userId, actor, 'admin_demoted', (u) => repository.setRole(u.id, 'user')),
    /** Disables the account: its sessions, API tokens and pending logins stop working at once. */
    disable: (userId: string, actor: AdminActor) => act(userId, actor, 'user_disabled', (u) => repository.setDisabled(u.id, now()), true),
    enable: (userId: string, actor: AdminActor) => act(userId, actor, 'user_enabled', (u) => repository.setDisabled(u.id, 0)),
    endSessions: (userId: string, actor: AdminActor) => act(userId, actor, 'sessions_ended', (u) => deps.endSessions(u.id)),
    resetTwoFactor: (userId: string, actor: AdminActor) =>
      act(userId, actor, 'two_factor_reset', async (u) => {
        await deps.resetTwoFactor(u.id);
        return hasSecondFactor(u);
      }),

    /** Sets the user's storage quota (bytes; null: no limit), audited with the old and new values. */
    async setQuota(userId: string, actor: AdminActor, bytes: number | null): Promise<AdminOutcome> {
      const user = await repository.findUser(userId);
      if (!user || user.deleted_at > 0) return { ok: false, reason: 'no_such_user' };
      const before = user.storage_quota_bytes === null ? null : Number(user.storage_quota_bytes);
      const changed = before !== bytes;
      if (changed) await deps.setQuota(user.id, bytes);
      const show = (value: number | null) => (value === null ? 'unlimited' : `${value} bytes`);
      await record('storage_quota_changed', actor, user, changed ? `${show(before)} -> ${show(bytes)}` : 'no change');
      return { ok: true, changed, user: (await repository.findUser(userId)) ?? user };
    },

    /**
     * Sets a new password (the given one, checked against the password policy, or a generated one,
     * returned) and ends every session of the user.
     */
    async resetPassword(userId: string, actor: AdminActor, given?: string): Promise<AdminOutcome & { password?: string }> {
      const user = await repository.findUser(userId);
      if (!user || user.deleted_at > 0) return { ok: false, reason: 'no_such_user' };
      // 144 random bits in base64url: far past every rule of the policy.
      const password = given === undefined ? randomBytes(18).toString('base64url') : normalizePassword(given);
      if (given !== undefined) {
        const errors = await validatePassword(password, { username: user.username, email: user.email });
        if (errors.length > 0) return { ok: false, reason: 'weak_password', errors };
      }
      await repository.setPasswordHash(user.id, await deps.hasher.hash(password), now());
      await record('password_reset', actor, user, given === undefined ? 'generated' : 'given');
      return { ok: true, changed: true, user, ...(given === undefined ? { password } : {}) };
    },
  };
}

export type UserAdminService = ReturnType<typeof createUserAdminService>;

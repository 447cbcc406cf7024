import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { AuditLogTable } from '../db/schema.js';

export type AuditRecord = Selectable<AuditLogTable>;

export interface AuditQuery {
  readonly event?: string | undefined;
  /** Entries where this user id is the actor or the target. */
  readonly userId?: string | undefined;
  /** Entries naming this user (e.g. failed logins for a username that has no account). */
  readonly userName?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

/** All SQL about the audit log: append and read, never update. */
export function createAuditRepository(db: Db) {
  return {
    async insert(entry: AuditRecord): Promise<void> {
      await db.insertInto('audit_log').values(entry).execute();
    },
    /** Newest first; the id breaks ties between entries of the same millisecond. */
    async list(query: AuditQuery): Promise<AuditRecord[]> {
      let select = db.selectFrom('audit_log').selectAll();
      if (query.event !== undefined) select = select.where('event', '=', query.event);
      const { userId, userName } = query;
      if (userId !== undefined || userName !== undefined) {
        select = select.where((eb) =>
          eb.or([
            ...(userId !== undefined ? [eb('actor_id', '=', userId), eb('target_id', '=', userId)] : []),
            ...(userName !== undefined ? [eb('actor_name', '=', userName), eb('target_name', '=', userName)] : []),
          ]),
        );
      }
      return select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute();
    },
  };
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;

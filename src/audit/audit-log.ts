import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { AuditEvent } from './audit-events.js';
import type { AuditQuery, AuditRecord, AuditRepository } from './audit-repository.js';

/** Someone an entry names: a user (id and username), or an operator tool with only a name ('cli'). */
export interface AuditParty {
  readonly id?: string;
  readonly name: string;
}

export interface AuditEntryInput {
  readonly event: AuditEvent;
  /** Who did it (the signed-in user, an admin, the CLI); absent for anonymous attempts. */
  readonly actor?: AuditParty | null | undefined;
  /** Whom or what it concerned (the account logged into, the user disabled, a photo's owner). */
  readonly target?: AuditParty | null | undefined;
  /** Where it came from: the request's client address and id. */
  readonly request?: Pick<FastifyRequest, 'ip' | 'id'> | undefined;
  /** A short, non-secret note (a photo id, a removal reason, a lockout length). */
  readonly detail?: string | undefined;
}

const MAX_DETAIL = 1000;
const MAX_NAME = 200;

/**
 * The audit log of security events (OWASP Logging cheat sheet, ASVS 5.0 16.3): who did what to
 * whom, when, from which address, under which request id. Append-only; secrets (passwords, codes,
 * tokens) are never written. A failure to write is logged and never fails the request it records.
 */
export function createAuditLog(repository: AuditRepository, log?: FastifyBaseLogger, now: () => number = Date.now) {
  return {
    async record(input: AuditEntryInput): Promise<void> {
      const entry: AuditRecord = {
        id: randomBytes(12).toString('base64url'),
        at: now(),
        event: input.event,
        actor_id: input.actor?.id ?? '',
        actor_name: clip(input.actor?.name ?? '', MAX_NAME),
        target_id: input.target?.id ?? '',
        target_name: clip(input.target?.name ?? '', MAX_NAME),
        ip: input.request?.ip ?? '',
        request_id: input.request?.id ?? '',
        detail: clip(input.detail ?? '', MAX_DETAIL),
      };
      try {
        await repository.insert(entry);
      } catch (error) {
        log?.error({ err: error, event: 'audit_write_failed', audit_event: input.event }, 'could not write an audit entry');
      }
    },
    list(query: AuditQuery): Promise<AuditRecord[]> {
      return repository.list(query);
    },
  };
}

function clip(text: string, max: number): string {
  // Control characters would let one entry pose as several in a plain-text export.
  const clean = text.replace(/\p{Cc}/gu, ' ');
  return clean.length > max ? clean.slice(0, max) : clean;
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/** The signed-in user of a request as an audit party. */
export function partyOf(user: { readonly id: string; readonly username: string } | null | undefined): AuditParty | null {
  return user ? { id: user.id, name: user.username } : null;
}

import type { SessionsTable } from '../../db/schema.js';
import { describeUserAgent } from './session-names.js';
import { sessionRef } from './session-ref.js';

/** A session as its owner sees it on the account page and in the API. */
export interface SessionSummary {
  readonly id: string;
  readonly browser: string;
  readonly system: string;
  /** The session this request came with. */
  readonly current: boolean;
  readonly createdAt: number;
  readonly lastSeenAt: number;
}

export function summarizeSessions(rows: readonly SessionsTable[], currentIdHash: string | undefined): SessionSummary[] {
  return rows.map((row) => ({
    id: sessionRef(row.id_hash),
    ...describeUserAgent(row.user_agent),
    current: row.id_hash === currentIdHash,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  }));
}

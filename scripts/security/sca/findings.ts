import { readFile } from 'node:fs/promises';
import type { Severity } from './cvss.js';

/** A vulnerable package instance (or the runtime) matched to one advisory. */
export interface Finding {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly package: string;
  readonly version: string;
  readonly location: string;
  readonly severity: Severity;
  readonly title: string;
  readonly url: string | null;
  readonly source: string;
  readonly fix: string;
}

/** security/allowlist.json: an accepted risk, with why and until when. */
export interface AllowlistEntry {
  readonly id: string;
  readonly package: string;
  readonly reason: string;
  readonly expires: string;
}

export interface Allowlist {
  readonly entries: readonly AllowlistEntry[];
  /** Malformed entries: each fails the stage. */
  readonly errors: readonly string[];
}

export async function loadAllowlist(file: string | null): Promise<Allowlist> {
  if (file === null) return { entries: [], errors: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], errors: [] };
    return { entries: [], errors: [`${file}: ${(error as Error).message}`] };
  }
  const list = (raw as { entries?: unknown }).entries;
  if (!Array.isArray(list)) return { entries: [], errors: [`${file}: expected {"entries": [...]}`] };
  const entries: AllowlistEntry[] = [];
  const errors: string[] = [];
  list.forEach((item: unknown, index) => {
    const entry = item as Partial<Record<keyof AllowlistEntry, unknown>>;
    const problems = (['id', 'package', 'reason', 'expires'] as const).filter((key) => typeof entry[key] !== 'string' || entry[key].trim() === '');
    if (typeof entry.expires === 'string' && !/^\d{4}-\d{2}-\d{2}$/.test(entry.expires)) problems.push('expires');
    if (problems.length > 0) errors.push(`allowlist entry ${index}: missing or invalid ${problems.join(', ')} (id, package, reason, expires YYYY-MM-DD are required)`);
    else entries.push(entry as AllowlistEntry);
  });
  return { entries, errors };
}

export function isExpired(entry: AllowlistEntry, today: Date): boolean {
  return new Date(`${entry.expires}T23:59:59Z`) < today;
}

export function coveringEntry(finding: Finding, entries: readonly AllowlistEntry[]): AllowlistEntry | undefined {
  const ids = new Set([finding.id, ...finding.aliases].map((id) => id.toUpperCase()));
  return entries.find((entry) => entry.package === finding.package && ids.has(entry.id.toUpperCase()));
}

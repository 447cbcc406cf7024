import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { cvss3BaseScore, severityOfScore, severityOfWord, type Severity } from './cvss.js';

/** One advisory about an npm package, from whichever source. */
export interface PackageAdvisory {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly package: string;
  readonly title: string;
  readonly severity: Severity;
  readonly score: number | null;
  readonly url: string | null;
  readonly source: string;
  /** Human-readable affected range, for the report. */
  readonly affectedText: string;
  affects(version: string): boolean;
}

const RANGE_OPTIONS = { loose: true, includePrerelease: true } as const;

/** Does `version` fall in the semver `range`? Malformed ranges are reported by the loader, never matched silently. */
export function inRange(version: string, range: string): boolean {
  return semver.validRange(range, RANGE_OPTIONS) !== null && semver.satisfies(version, range, RANGE_OPTIONS);
}

interface NswgRecord {
  id?: number;
  module_name?: string;
  title?: string;
  cves?: string[];
  vulnerable_versions?: string;
  patched_versions?: string;
  cvss_score?: number | null;
  references?: string[];
}

/** The Node.js Security WG ecosystem advisories (`npm/<id>.json`). */
export async function loadNswgAdvisories(dir: string, warnings: string[]): Promise<PackageAdvisory[]> {
  const out: PackageAdvisory[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const record = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as NswgRecord;
    if (typeof record.module_name !== 'string' || typeof record.vulnerable_versions !== 'string') continue; // e.g. index.json
    const range = record.vulnerable_versions;
    if (semver.validRange(range, RANGE_OPTIONS) === null) {
      warnings.push(`advisory ${file}: unreadable range ${JSON.stringify(range)} for ${record.module_name}`);
      continue;
    }
    const id = `NSWG-ECO-${record.id ?? path.basename(file, '.json')}`;
    out.push({
      id,
      aliases: record.cves ?? [],
      package: record.module_name,
      title: record.title ?? id,
      severity: severityOfScore(record.cvss_score),
      score: typeof record.cvss_score === 'number' && record.cvss_score >= 0 ? record.cvss_score : null,
      url: record.references?.[0] ?? null,
      source: 'nodejs-security-wg',
      affectedText: `${range}${record.patched_versions ? ` (patched ${record.patched_versions})` : ''}`,
      affects: (version) => inRange(version, range),
    });
  }
  return out;
}

interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

interface OsvRecord {
  id?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: Array<{ type?: string; score?: string }>;
  database_specific?: { severity?: string };
  references?: Array<{ url?: string }>;
  affected?: Array<{
    package?: { ecosystem?: string; name?: string };
    versions?: string[];
    ranges?: Array<{ type?: string; events?: OsvEvent[] }>;
    database_specific?: { severity?: string };
  }>;
}

/** OSV records (https://ossf.github.io/osv-schema/) for the npm ecosystem, from any *.json under `dir`. */
export async function loadOsvAdvisories(dir: string, warnings: string[]): Promise<PackageAdvisory[]> {
  const out: PackageAdvisory[] = [];
  for (const file of await jsonFilesUnder(dir)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      warnings.push(`OSV ${file}: not JSON`);
      continue;
    }
    for (const record of Array.isArray(parsed) ? (parsed as OsvRecord[]) : [parsed as OsvRecord]) out.push(...fromOsv(record));
  }
  return out;
}

function fromOsv(record: OsvRecord): PackageAdvisory[] {
  const vector = record.severity?.find((s) => s.type === 'CVSS_V3')?.score;
  const score = vector ? cvss3BaseScore(vector) : null;
  const out: PackageAdvisory[] = [];
  for (const affected of record.affected ?? []) {
    if (affected.package?.ecosystem !== 'npm' || !affected.package.name) continue;
    const word = severityOfWord(affected.database_specific?.severity ?? record.database_specific?.severity);
    const severity = word !== 'unknown' ? word : severityOfScore(score);
    const versions = new Set(affected.versions ?? []);
    const ranges = (affected.ranges ?? []).filter((r) => r.type === 'SEMVER' || r.type === 'ECOSYSTEM');
    const id = record.id ?? 'OSV-unknown';
    out.push({
      id,
      aliases: record.aliases ?? [],
      package: affected.package.name,
      title: record.summary ?? record.details?.slice(0, 120) ?? id,
      severity,
      score,
      url: record.references?.[0]?.url ?? null,
      source: 'osv',
      affectedText: [...ranges.map((r) => describeEvents(r.events ?? [])), ...(versions.size ? [`versions ${[...versions].join(', ')}`] : [])].join('; '),
      affects: (version) => versions.has(version) || ranges.some((r) => inOsvEvents(version, r.events ?? [])),
    });
  }
  return out;
}

/** OSV range evaluation: sorted events open ("introduced") and close ("fixed"/"last_affected") intervals. */
export function inOsvEvents(version: string, events: readonly OsvEvent[]): boolean {
  if (semver.valid(version, RANGE_OPTIONS) === null) return false;
  let affected = false;
  for (const event of [...events].sort(compareEvents)) {
    if (event.introduced !== undefined && (event.introduced === '0' || semver.gte(version, event.introduced, RANGE_OPTIONS))) affected = true;
    if (event.fixed !== undefined && semver.gte(version, event.fixed, RANGE_OPTIONS)) affected = false;
    if (event.last_affected !== undefined && semver.lt(event.last_affected, version, RANGE_OPTIONS)) affected = false;
    if (event.limit !== undefined && semver.gte(version, event.limit, RANGE_OPTIONS)) affected = false;
  }
  return affected;
}

function eventVersion(event: OsvEvent): string {
  const v = event.introduced ?? event.fixed ?? event.last_affected ?? event.limit ?? '0';
  return v === '0' ? '0.0.0-0' : v;
}

function compareEvents(a: OsvEvent, b: OsvEvent): number {
  const va = eventVersion(a);
  const vb = eventVersion(b);
  if (semver.valid(va, RANGE_OPTIONS) === null || semver.valid(vb, RANGE_OPTIONS) === null) return 0;
  return semver.lt(va, vb, RANGE_OPTIONS) ? -1 : semver.lt(vb, va, RANGE_OPTIONS) ? 1 : 0;
}

function describeEvents(events: readonly OsvEvent[]): string {
  return events.map((e) => Object.entries(e).map(([k, v]) => `${k} ${String(v)}`).join(' ')).join(', ');
}

async function jsonFilesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await jsonFilesUnder(full)));
    else if (entry.isFile() && entry.name.endsWith('.json')) out.push(full);
  }
  return out.sort();
}

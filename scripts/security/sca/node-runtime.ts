import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { inRange } from './advisories.js';
import { severityOfWord } from './cvss.js';
import type { Finding } from './findings.js';

interface CoreRecord {
  cve?: string[];
  vulnerable?: string;
  patched?: string;
  severity?: string;
  description?: string;
  overview?: string;
  ref?: string;
}

export interface ReleaseLine {
  start: string;
  lts?: string;
  maintenance?: string;
  end: string;
}

const SCHEDULE_FILE = path.join(import.meta.dirname, '..', 'data', 'node-release-schedule.json');
const EOL_WARNING_DAYS = 90;

/** Node.js runtime advisories (the Security WG's `core/`) that the given version is exposed to. */
export async function nodeCoreFindings(dir: string, version: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const record = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as CoreRecord;
    if (typeof record.vulnerable !== 'string') continue; // index.json
    if (!inRange(version, record.vulnerable) || (record.patched && inRange(version, record.patched))) continue;
    const id = `NSWG-CORE-${path.basename(file, '.json')}`;
    out.push({
      id,
      aliases: record.cve ?? [],
      package: 'node',
      version,
      location: 'runtime',
      severity: severityOfWord(record.severity),
      title: record.description ?? record.overview?.split('\n')[0] ?? id,
      url: record.ref ?? null,
      source: 'nodejs-security-wg/core',
      fix: record.patched ? `upgrade to ${record.patched}` : 'no patched release listed',
    });
  }
  return out;
}

export async function loadSchedule(file = SCHEDULE_FILE): Promise<Record<string, ReleaseLine>> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as Record<string, ReleaseLine | string>;
  return Object.fromEntries(Object.entries(raw).filter((entry): entry is [string, ReleaseLine] => typeof entry[1] === 'object'));
}

/** End-of-life of the running release line: after its end date it gets no security fixes at all. */
export function nodeEolFindings(version: string, today: Date, schedule: Record<string, ReleaseLine>, notes: string[]): Finding[] {
  const major = /^v?(\d+)\./.exec(version)?.[1];
  const line = major === undefined ? undefined : schedule[`v${major}`];
  const base = { aliases: [], package: 'node', version, location: 'runtime', url: 'https://github.com/nodejs/Release#release-schedule', source: 'node-release-schedule' };
  if (major === undefined || line === undefined) {
    return [{ ...base, id: `NODE-EOL-UNKNOWN-${major ?? version}`, severity: 'unknown', title: `Node.js ${version} is not in the release schedule table (scripts/security/data/node-release-schedule.json)`, fix: 'update the table' }];
  }
  const end = new Date(`${line.end}T23:59:59Z`);
  if (today > end) {
    return [{ ...base, id: `NODE-EOL-${major}`, severity: 'high', title: `Node.js ${major} reached end-of-life on ${line.end}: no more security releases`, fix: 'move to a supported LTS line' }];
  }
  const daysLeft = Math.floor((end.getTime() - today.getTime()) / 86_400_000);
  if (line.lts === undefined) notes.push(`Node.js ${major} is not an LTS line (end-of-life ${line.end}); production should run an LTS line.`);
  if (daysLeft <= EOL_WARNING_DAYS) notes.push(`Node.js ${major} reaches end-of-life on ${line.end} (${daysLeft} days).`);
  else notes.push(`Node.js ${major} is supported until ${line.end}.`);
  return [];
}

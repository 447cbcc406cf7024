// SCA: every installed package (transitive included, from package-lock.json) and the Node.js
// runtime against advisories — the registry's bulk audit endpoint when it answers, the Node.js
// Security WG database and OSV files offline. High/critical fail unless allowlisted (with expiry).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadNswgAdvisories, loadOsvAdvisories, type PackageAdvisory } from './sca/advisories.js';
import { isBlocking } from './sca/cvss.js';
import { coveringEntry, isExpired, loadAllowlist, type Finding } from './sca/findings.js';
import { readLockfile } from './sca/lockfile.js';
import { loadSchedule, nodeCoreFindings, nodeEolFindings } from './sca/node-runtime.js';
import { fetchBulkAdvisories } from './sca/online-audit.js';
import { isMain, REPO_ROOT, runStageCli, table, type StageOutcome } from './lib/report.js';

export interface ScaOptions {
  readonly lockfile: string;
  /** A Node.js Security WG database (with npm/ and core/), or null. */
  readonly advisoryDir: string | null;
  /** A folder of OSV JSON records, or null. */
  readonly osvDir: string | null;
  readonly allowlistFile: string | null;
  readonly nodeVersion: string;
  readonly today: Date;
  /** Registry base URL for the bulk audit endpoint, or null to stay offline. */
  readonly registry: string | null;
  readonly onlineTimeoutMs?: number;
}

export const DEFAULT_ADVISORY_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'advisories', 'nodejs-security-wg');

export async function runSca(options: ScaOptions): Promise<StageOutcome> {
  const lines: string[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  const packages = await readLockfile(options.lockfile);
  lines.push(`SCA of ${path.relative(process.cwd(), options.lockfile) || options.lockfile}: ${packages.length} installed packages (${new Set(packages.map((p) => `${p.name}@${p.version}`)).size} distinct name@version), Node.js ${options.nodeVersion}`);

  const advisories: PackageAdvisory[] = [];
  const sources: string[] = [];
  if (options.registry !== null) {
    const online = await fetchBulkAdvisories(options.registry, packages, options.onlineTimeoutMs);
    if (online.ok) {
      advisories.push(...online.advisories);
      sources.push(`registry bulk audit (${online.advisories.length} advisories for these packages)`);
    } else {
      notes.push(`registry bulk audit unavailable (${online.reason}); using offline advisory data`);
    }
  }
  const npmDir = options.advisoryDir === null ? null : path.join(options.advisoryDir, 'npm');
  if (npmDir !== null && existsSync(npmDir)) {
    const offline = await loadNswgAdvisories(npmDir, warnings);
    advisories.push(...offline);
    sources.push(`Node.js Security WG npm advisories (${offline.length}) from ${options.advisoryDir}`);
  }
  if (options.osvDir !== null) {
    const osv = await loadOsvAdvisories(options.osvDir, warnings);
    advisories.push(...osv);
    sources.push(`OSV records (${osv.length}) from ${options.osvDir}`);
  }
  const errors: string[] = [];
  if (sources.length === 0) errors.push('no advisory source: the registry did not answer and no offline advisory directory was found');

  const findings = matchPackages(packages, advisories);
  const coreDir = options.advisoryDir === null ? null : path.join(options.advisoryDir, 'core');
  if (coreDir !== null && existsSync(coreDir)) findings.push(...(await nodeCoreFindings(coreDir, options.nodeVersion)));
  else notes.push('no Node.js core advisory data: runtime checked against its end-of-life date only');
  findings.push(...nodeEolFindings(options.nodeVersion, options.today, await loadSchedule(), notes));

  const allowlist = await loadAllowlist(options.allowlistFile);
  errors.push(...allowlist.errors);
  for (const entry of allowlist.entries) {
    if (isExpired(entry, options.today)) errors.push(`allowlist entry ${entry.id} (${entry.package}) expired on ${entry.expires}: fix the finding or renew the entry with a reason`);
  }

  const rows: string[][] = [['status', 'severity', 'advisory', 'package', 'where', 'title']];
  let blocking = 0;
  for (const finding of findings) {
    const entry = coveringEntry(finding, allowlist.entries);
    let status = 'report';
    if (isBlocking(finding.severity)) {
      if (entry && !isExpired(entry, options.today)) status = `allowed until ${entry.expires}`;
      else {
        status = 'FAIL';
        blocking += 1;
      }
    }
    rows.push([status, finding.severity, finding.id, `${finding.package}@${finding.version}`, finding.location, `${finding.title}${finding.url ? ` <${finding.url}>` : ''} — ${finding.fix}`]);
  }
  const unused = allowlist.entries.filter((entry) => !findings.some((f) => coveringEntry(f, [entry])));
  for (const entry of unused) notes.push(`allowlist entry ${entry.id} (${entry.package}) matches nothing any more: remove it`);
  for (const entry of allowlist.entries.filter((e) => !unused.includes(e))) notes.push(`allowlisted ${entry.id} (${entry.package}) until ${entry.expires}: ${entry.reason}`);

  lines.push(`advisory sources: ${sources.join('; ') || 'none'}`);
  lines.push('', findings.length === 0 ? 'no known vulnerabilities' : table(rows));
  if (notes.length) lines.push('', ...notes.map((n) => `note: ${n}`));
  if (warnings.length) lines.push('', ...warnings.map((w) => `warning: ${w}`));
  if (errors.length) lines.push('', ...errors.map((e) => `error: ${e}`));
  lines.push('', `${findings.length} finding(s), ${blocking} blocking (high/critical/unknown severity not allowlisted)`);
  return {
    stage: 'sca',
    ok: blocking === 0 && errors.length === 0,
    report: lines.join('\n'),
    counts: { packages: packages.length, vulnerabilities: findings.length },
  };
}

function matchPackages(packages: Awaited<ReturnType<typeof readLockfile>>, advisories: readonly PackageAdvisory[]): Finding[] {
  const byName = new Map<string, PackageAdvisory[]>();
  for (const advisory of advisories) {
    const list = byName.get(advisory.package) ?? [];
    list.push(advisory);
    byName.set(advisory.package, list);
  }
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const pkg of packages) {
    for (const advisory of byName.get(pkg.name) ?? []) {
      if (!advisory.affects(pkg.version)) continue;
      // The same advisory from two sources (registry and offline) is one finding.
      const key = `${pkg.location}|${[advisory.id, ...advisory.aliases].sort().join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        id: advisory.id,
        aliases: advisory.aliases,
        package: pkg.name,
        version: pkg.version,
        location: pkg.location + (pkg.dev ? ' (dev)' : ''),
        severity: advisory.severity,
        title: advisory.title,
        url: advisory.url,
        source: advisory.source,
        fix: `affected ${advisory.affectedText}`,
      });
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      lockfile: { type: 'string', default: path.join(REPO_ROOT, 'package-lock.json') },
      advisories: { type: 'string', default: process.env.SCA_ADVISORY_DIR ?? DEFAULT_ADVISORY_DIR },
      osv: { type: 'string', default: process.env.OSV_DIR },
      allowlist: { type: 'string', default: path.join(REPO_ROOT, 'security', 'allowlist.json') },
      offline: { type: 'boolean', default: process.env.SCA_OFFLINE === '1' },
      registry: { type: 'string', default: process.env.npm_config_registry ?? 'https://registry.npmjs.org/' },
    },
  });
  await runStageCli(() =>
    runSca({
      lockfile: values.lockfile,
      advisoryDir: values.advisories,
      osvDir: values.osv ?? null,
      allowlistFile: values.allowlist,
      nodeVersion: process.version,
      today: new Date(),
      registry: values.offline ? null : values.registry,
    }),
  );
}

if (isMain(import.meta.url)) await main();

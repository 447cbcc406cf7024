// What an external DAST tool (wapiti, sqlmap) found, judged the way the SCA stage judges
// advisories: medium or higher fails unless security/dast-allowlist.json accepts it, with a
// reason and an expiry.
import { isExpired, loadAllowlist, type AllowlistEntry } from '../sca/findings.js';
import { table } from '../lib/report.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type ToolSeverity = (typeof SEVERITIES)[number];

export interface ToolFinding {
  readonly tool: string;
  /** The tool's name for the kind of problem (wapiti's category, sqlmap's technique): allowlist entries name it. */
  readonly id: string;
  readonly severity: ToolSeverity;
  /** Method and path (or URL) the tool reported it on. */
  readonly target: string;
  readonly parameter: string;
  readonly detail: string;
}

/** One tool's line in summary.json's dast.tools. */
export interface ToolSummary {
  readonly status: 'passed' | 'failed' | 'not run';
  readonly seconds: number;
  readonly critical: number;
  readonly high: number;
  readonly medium: number;
  readonly low: number;
  readonly info: number;
  readonly allowlisted: number;
}

export interface ToolRun {
  readonly tool: string;
  /** False when the tool could not run to its end (missing, crashed, no report). */
  readonly ran: boolean;
  readonly seconds: number;
  readonly findings: readonly ToolFinding[];
  /** What was scanned, the time bounds hit, why it did not run. */
  readonly notes: readonly string[];
  /** Problems that fail the stage whatever the findings (a crash, a missing tool under CI). */
  readonly errors: readonly string[];
}

export function isToolBlocking(severity: ToolSeverity): boolean {
  return severity === 'critical' || severity === 'high' || severity === 'medium';
}

/** An entry covers a finding of its tool (`package`) whose id is the entry's id, case aside. */
export function coveringToolEntry(finding: ToolFinding, entries: readonly AllowlistEntry[]): AllowlistEntry | undefined {
  return entries.find((entry) => entry.package === finding.tool && entry.id.toLowerCase() === finding.id.toLowerCase());
}

export interface JudgedTools {
  readonly ok: boolean;
  readonly report: string;
  readonly summary: Record<string, ToolSummary>;
}

/** Applies the allowlist to every run's findings: the report lines, the summary counts and the verdict. */
export async function judgeToolRuns(runs: readonly ToolRun[], allowlistFile: string | null, today: Date): Promise<JudgedTools> {
  const allowlist = await loadAllowlist(allowlistFile);
  const errors = [...allowlist.errors];
  for (const entry of allowlist.entries) {
    if (isExpired(entry, today)) errors.push(`DAST allowlist entry ${entry.id} (${entry.package}) expired on ${entry.expires}: fix the finding or renew the entry with a reason`);
  }
  const lines: string[] = [];
  const summary: Record<string, ToolSummary> = {};
  let ok = errors.length === 0;
  for (const run of runs) {
    const counts = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    let allowlisted = 0;
    let blocking = 0;
    const rows: string[][] = [['status', 'severity', 'id', 'target', 'parameter', 'detail']];
    for (const finding of run.findings) {
      counts[finding.severity] += 1;
      let status = 'report';
      if (isToolBlocking(finding.severity)) {
        const entry = coveringToolEntry(finding, allowlist.entries);
        if (entry && !isExpired(entry, today)) {
          status = `allowed until ${entry.expires}`;
          allowlisted += 1;
        } else {
          status = 'FAIL';
          blocking += 1;
        }
      }
      rows.push([status, finding.severity, finding.id, finding.target, finding.parameter || '-', finding.detail.replace(/\s+/g, ' ').slice(0, 200)]);
    }
    const passed = run.errors.length === 0 && blocking === 0;
    if (!passed) ok = false;
    summary[run.tool] = { status: !run.ran && run.errors.length === 0 ? 'not run' : passed ? 'passed' : 'failed', seconds: Math.round(run.seconds), ...counts, allowlisted };
    lines.push(
      `${run.tool}: ${run.ran ? `${run.findings.length} finding(s), ${blocking} blocking (medium or higher, not allowlisted) in ${run.seconds.toFixed(0)} s` : 'did not run'}`,
      ...(run.findings.length ? ['', table(rows)] : []),
      ...run.notes.map((note) => `  note: ${note}`),
      ...run.errors.map((error) => `  error: ${error}`),
      '',
    );
  }
  const used = allowlist.entries.filter((entry) => runs.some((run) => run.findings.some((f) => coveringToolEntry(f, [entry]))));
  for (const entry of used) lines.push(`allowlisted ${entry.id} (${entry.package}) until ${entry.expires}: ${entry.reason}`);
  const ranTools = new Set(runs.filter((run) => run.ran).map((run) => run.tool));
  for (const entry of allowlist.entries.filter((e) => !used.includes(e) && ranTools.has(e.package))) lines.push(`note: DAST allowlist entry ${entry.id} (${entry.package}) matches nothing any more: remove it`);
  lines.push(...errors.map((error) => `error: ${error}`));
  return { ok, report: lines.join('\n').trimEnd(), summary };
}

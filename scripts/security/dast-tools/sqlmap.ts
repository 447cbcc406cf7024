// sqlmap (Debian's package) against the login form and the API's parameters of a running
// photovault: batch mode, level 1 / risk 1, a time budget per target, 127.0.0.1 only.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runBounded } from './run-bounded.js';
import type { ToolFinding, ToolRun } from './tool-findings.js';

export const SQLMAP_BINARY = '/usr/bin/sqlmap';

export interface SqlmapTarget {
  /** A short name for the report and the output folder. */
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** Paths under the origin; `*` marks a path segment to inject into. Several GET paths run as one bulk (-m) job. */
  readonly paths: readonly string[];
  /** A form or JSON body; sqlmap injects into each of its fields. */
  readonly data?: string;
  readonly headers?: readonly string[];
  /** A form field holding a CSRF token that sqlmap refreshes from the page before each request. */
  readonly csrfToken?: string;
  /** Answers that are the expected refusal here, not a problem (401 from a wrong password). */
  readonly ignoreCodes?: readonly number[];
}

/** photovault's login form (anonymous) and its API's parameters (with a Bearer token of a user with photos). */
export function photovaultSqlmapTargets(photoId: string, bearer: string, username = `sqlmap${randomBytes(4).toString('hex')}`): SqlmapTarget[] {
  const auth = [`Authorization: Bearer ${bearer}`];
  return [
    // A user name of its own: wapiti fills forms with 'alice', and that account's lockout (429) would blind sqlmap.
    { name: 'login-form', method: 'POST', paths: ['/accounts/login/'], data: `_csrf=x&username=${username}&password=not-the-password-1&next=%2Fphotos%2F`, csrfToken: '_csrf', ignoreCodes: [401] },
    {
      name: 'api-read',
      method: 'GET',
      paths: ['/api/v1/photos?page=1&per_page=20', '/api/v1/tokens?page=1&per_page=20', `/api/v1/photos/${photoId}*`, `/api/v1/photos/${photoId}*/shares`],
      headers: auth,
    },
    { name: 'api-update', method: 'PATCH', paths: [`/api/v1/photos/${photoId}`], data: JSON.stringify({ title: 'scan title', alt_text: 'scan alt', caption: 'scan caption' }), headers: [...auth, 'Content-Type: application/json'] },
  ];
}

export function sqlmapArgs(origin: string, target: SqlmapTarget, outputDir: string, bulkFile: string | null): string[] {
  const args = bulkFile === null ? ['-u', `${origin}${target.paths[0] ?? '/'}`] : ['-m', bulkFile];
  // POST follows from --data; naming it would make sqlmap fetch the CSRF token with a POST too.
  if (target.method === 'PATCH') args.push('--method', target.method);
  if (target.data !== undefined) args.push('--data', target.data);
  for (const header of target.headers ?? []) args.push('-H', header);
  if (target.csrfToken) args.push('--csrf-token', target.csrfToken);
  if (target.ignoreCodes?.length) args.push('--ignore-code', target.ignoreCodes.join(','));
  return [
    ...args,
    '--batch',
    '--level',
    '1',
    '--risk',
    '1',
    '--time-sec',
    '2',
    '--timeout',
    '15',
    '--retries',
    '1',
    // Its WAF probe mistakes the API's strict validation (an unknown parameter is a 400) for a WAF.
    '--skip-waf',
    '--output-dir',
    outputDir,
    '--flush-session',
    '--disable-coloring',
  ];
}

const SQL_TECHNIQUES: Readonly<Record<string, string>> = { B: 'boolean-based blind', E: 'error-based', U: 'UNION query', S: 'stacked queries', T: 'time-based blind', Q: 'inline query' };

/** The CSV results file of sqlmap's bulk mode: one row per injection point found. */
export function parseSqlmapCsv(text: string): ToolFinding[] {
  const findings: ToolFinding[] = [];
  for (const line of text.split(/\r?\n/).slice(1)) {
    if (line.trim() === '') continue;
    // Target URL,Place,Parameter,Technique(s),Note(s): the URL may hold commas, the rest do not.
    const cells = line.split(',');
    const notes = cells.pop() ?? '';
    const techniques = cells.pop() ?? '';
    const parameter = cells.pop() ?? '';
    const place = cells.pop() ?? '';
    const url = cells.join(',');
    // sqlmap keeps a point its own false-positive check rejected, noted "false positive or
    // unexploitable" (a reflected parameter whose echo changes the page); it is reported, not blocking.
    const withdrawn = /false positive or unexploitable/i.test(notes);
    findings.push({
      tool: 'sqlmap',
      id: withdrawn ? 'sql-injection-withdrawn' : 'sql-injection',
      severity: withdrawn ? 'low' : 'critical',
      target: `${place} ${url}`,
      parameter,
      detail: `injectable (${[...techniques].map((t) => SQL_TECHNIQUES[t] ?? t).join(', ')})${notes ? `; ${notes}` : ''}`,
    });
  }
  return findings;
}

/**
 * What sqlmap printed: injection points it confirmed (also when it was stopped before writing its
 * CSV), heuristic hints (low: unconfirmed) and server errors its payloads caused (medium: an
 * unhandled input is a bug, and a 500 page is where verbose errors leak).
 */
export function parseSqlmapOutput(output: string, targetName: string): ToolFinding[] {
  const findings: ToolFinding[] = [];
  const seen = new Set<string>();
  // Only what sqlmap confirmed: "appears to be injectable" is often withdrawn by its false-positive check.
  const confirmed = [
    ...[...output.matchAll(/^Parameter: (.+) \(([^)\n]+)\)$/gm)].map((m) => ({ place: m[2] ?? '', parameter: m[1] ?? '' })),
    ...[...output.matchAll(/((?:\(custom\) )?[A-Za-z-]+) parameter '([^']+)' is vulnerable/g)].map((m) => ({ place: m[1] ?? '', parameter: m[2] ?? '' })),
  ];
  for (const { place, parameter } of confirmed) {
    if (seen.has(parameter)) continue;
    seen.add(parameter);
    const technique = [...output.matchAll(/parameter '([^']+)' (?:appears to be|is) '([^']+)' injectable/g)].find((m) => m[1] === parameter)?.[2];
    findings.push({ tool: 'sqlmap', id: 'sql-injection', severity: 'critical', target: `${place} (${targetName})`, parameter, detail: `injectable${technique ? `: ${technique}` : ''}` });
  }
  for (const match of output.matchAll(/heuristic \((basic|XSS|FI)\) test shows that ((?:\(custom\) )?[A-Za-z-]+) parameter '([^']+)' might be ([^\n]+)/g)) {
    findings.push({ tool: 'sqlmap', id: `heuristic-${match[1]?.toLowerCase()}`, severity: 'low', target: `${match[2]} (${targetName})`, parameter: match[3] ?? '', detail: `might be ${match[4]?.trim()} (heuristic, not confirmed)` });
  }
  for (const [status, count] of errorCodes(output)) {
    if (status >= 500) findings.push({ tool: 'sqlmap', id: 'server-error', severity: 'medium', target: targetName, parameter: '', detail: `HTTP ${status} answered ${count} time(s) to injection payloads` });
  }
  return findings;
}

// sqlmap prints some notices at CRITICAL level and carries on: a page that changes on every
// answer (ours do: CSRF tokens, CSP nonces) makes it retry, not stop. A run that reached its
// verdict with only these is complete.
const NON_FATAL_CRITICAL = [/target URL content appears to be heavily dynamic\. sqlmap is going to retry the request/];

/** The first CRITICAL line of a sqlmap run that means it could not do its work, or undefined. */
export function fatalCritical(output: string): string | undefined {
  for (const match of output.matchAll(/\[CRITICAL\] ([^\n]+)/g)) {
    const message = match[1] ?? '';
    if (!NON_FATAL_CRITICAL.some((pattern) => pattern.test(message))) return message;
  }
  return undefined;
}

/** The HTTP error answers sqlmap counted ("HTTP error codes detected during run"), summed over its targets. */
export function errorCodes(output: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const block of output.matchAll(/HTTP error codes detected during run:\s*\n([^\n]+)/g)) {
    for (const match of (block[1] ?? '').matchAll(/(\d{3}) \([^)]*\) - (\d+) times/g)) {
      counts.set(Number(match[1]), (counts.get(Number(match[1])) ?? 0) + Number(match[2]));
    }
  }
  return counts;
}

/**
 * A run whose requests were refused (401/403/429 not expected for the target) tested nothing:
 * its "not injectable" would be a false all-clear, so it is an error, not a pass.
 */
export function refusedRequests(output: string, target: SqlmapTarget): string | null {
  for (const [status, count] of errorCodes(output)) {
    if ([401, 403, 429].includes(status) && !target.ignoreCodes?.includes(status) && count >= 10) {
      return `answered HTTP ${status} ${count} times: its requests were refused (CSRF token, authorization or throttling), so its verdict says nothing`;
    }
  }
  return null;
}

/** Confirmed injection points from both the CSV and the output, each (place, parameter) once. */
function mergeFindings(fromCsv: readonly ToolFinding[], fromOutput: readonly ToolFinding[]): ToolFinding[] {
  const injectable = new Set(fromCsv.map((f) => f.parameter));
  return [...fromCsv, ...fromOutput.filter((f) => f.id !== 'sql-injection' || !injectable.has(f.parameter))];
}

export async function runSqlmap(origin: string, targets: readonly SqlmapTarget[], workDir: string, budgetSeconds: number): Promise<ToolRun> {
  const base = { tool: 'sqlmap' };
  if (!existsSync(SQLMAP_BINARY)) return { ...base, ran: false, seconds: 0, findings: [], notes: [], errors: [] };
  if (new URL(origin).hostname !== '127.0.0.1') return { ...base, ran: false, seconds: 0, findings: [], notes: [], errors: [`refusing to attack ${origin}: sqlmap runs against 127.0.0.1 only`] };
  const findings: ToolFinding[] = [];
  const notes: string[] = [];
  const errors: string[] = [];
  let seconds = 0;
  const perTarget = Math.max(20, Math.floor(budgetSeconds / targets.length));
  for (const target of targets) {
    const outputDir = path.join(workDir, target.name);
    await mkdir(outputDir, { recursive: true });
    let bulkFile: string | null = null;
    if (target.paths.length > 1) {
      bulkFile = path.join(outputDir, 'targets.txt');
      await writeFile(bulkFile, target.paths.map((p) => `${origin}${p}\n`).join(''));
    }
    const logFile = path.join(workDir, `${target.name}.log`);
    const result = await runBounded(SQLMAP_BINARY, sqlmapArgs(origin, target, outputDir, bulkFile), { timeoutMs: perTarget * 1000, logFile });
    seconds += result.seconds;
    if (result.startError) {
      errors.push(`${target.name}: could not start: ${result.startError}`);
      continue;
    }
    const requests = /with a total of (\d+) HTTP\(s\) requests/.exec(result.output)?.[1];
    const verdict = /all tested parameters do not appear to be injectable/.test(result.output) ? 'no injectable parameter' : requests ? `injection point(s) after ${requests} requests` : 'no verdict';
    const answers = [...errorCodes(result.output)].map(([status, count]) => `HTTP ${status} x${count}`).join(', ');
    notes.push(`${target.name}: ${target.method} ${target.paths.join(', ')}: ${result.timedOut ? `stopped at its ${perTarget} s limit` : verdict} (${result.seconds.toFixed(0)} s${answers ? `; error answers ${answers}` : ''}; log ${logFile})`);
    const critical = fatalCritical(result.output);
    if (critical && !result.timedOut) errors.push(`${target.name}: ${critical}`);
    const refused = refusedRequests(result.output, target);
    if (refused) errors.push(`${target.name}: ${refused}`);
    const csvName = (await readdir(outputDir)).find((f) => /^results-.*\.csv$/.test(f));
    const fromCsv = csvName ? parseSqlmapCsv(await readFile(path.join(outputDir, csvName), 'utf8')) : [];
    findings.push(...mergeFindings(fromCsv, parseSqlmapOutput(result.output, target.name)));
  }
  return { ...base, ran: errors.length === 0, seconds, findings, notes, errors };
}

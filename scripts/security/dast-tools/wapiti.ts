// wapiti (Debian's package) over every page and form of a running photovault, signed in through
// a cookie file, limited to the target's origin and to a time budget. Its JSON report becomes
// ToolFindings.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runBounded } from './run-bounded.js';
import type { ToolFinding, ToolRun, ToolSeverity } from './tool-findings.js';

export const WAPITI_BINARY = '/usr/bin/wapiti';
/** Debian's wapiti runs on the system Python; the launcher fixes -x on Python 3.11 (see the file). */
const SYSTEM_PYTHON = '/usr/bin/python3';
const LAUNCHER = path.join(import.meta.dirname, 'wapiti-launch.py');

/**
 * wapiti's default modules without ssrf (its payloads point at wapiti's own server on the
 * internet; photovault fetches no URLs anyway), plus csrf and methods.
 */
export const WAPITI_MODULES = ['blindsql', 'cookieflags', 'csp', 'csrf', 'exec', 'file', 'http_headers', 'methods', 'permanentxss', 'redirect', 'sql', 'xss'];

export interface WapitiOptions {
  readonly origin: string;
  readonly cookies: ReadonlyMap<string, string>;
  readonly workDir: string;
  /** Pages no signed-in page links to (sign-in, sign-up, share links), crawled from too. */
  readonly startPaths: readonly string[];
  /** Paths (wildcards allowed) never requested: sign-out, deletions, revoking the scan's own token. */
  readonly excludePaths: readonly string[];
  readonly maxScanSeconds: number;
  readonly maxAttackSeconds: number;
}

/** The cookie jar in wapiti's JSON format (jsoncookie.py: host, then path, then name). */
export function wapitiCookieJar(origin: string, cookies: ReadonlyMap<string, string>): Record<string, Record<string, Record<string, object>>> {
  const host = new URL(origin).hostname;
  const jar: Record<string, object> = {};
  for (const [name, value] of cookies) jar[name] = { value, version: 0, expires: null, secure: false, port: null };
  return { [host]: { '/': jar } };
}

export function wapitiArgs(options: WapitiOptions, cookieFile: string, reportFile: string): string[] {
  const base = `${options.origin}/`;
  return [
    LAUNCHER,
    '--url',
    base,
    // Only URLs under the origin: never an external link.
    '--scope',
    'folder',
    '--cookie',
    cookieFile,
    ...options.startPaths.flatMap((p) => ['--start', `${options.origin}${p}`]),
    ...options.excludePaths.flatMap((p) => ['--exclude', `${options.origin}${p}`]),
    '--module',
    WAPITI_MODULES.join(','),
    '--depth',
    '6',
    '--max-scan-time',
    String(options.maxScanSeconds),
    '--max-attack-time',
    String(options.maxAttackSeconds),
    // Generous: on a busy 2-core machine a slow answer is not a "resource consumption" finding.
    '--timeout',
    '30',
    '--no-bugreport',
    '--store-session',
    path.join(options.workDir, 'session'),
    '--store-config',
    path.join(options.workDir, 'config'),
    '--format',
    'json',
    '--output',
    reportFile,
    '--verbose',
    '1',
  ];
}

const LEVELS: Readonly<Record<string, ToolSeverity>> = { '0': 'info', '1': 'low', '2': 'medium', '3': 'high', '4': 'critical' };

interface WapitiItem {
  method?: string;
  path?: string;
  info?: string;
  level?: number | string;
  parameter?: string;
}

/** Vulnerabilities and anomalies (server errors, timeouts) of a wapiti JSON report, with their levels. */
export function parseWapitiReport(raw: unknown): ToolFinding[] {
  if (typeof raw !== 'object' || raw === null || typeof (raw as { vulnerabilities?: unknown }).vulnerabilities !== 'object') {
    throw new Error('not a wapiti JSON report (no "vulnerabilities" object)');
  }
  const report = raw as Record<string, unknown>;
  const findings: ToolFinding[] = [];
  for (const section of ['vulnerabilities', 'anomalies', 'additionals']) {
    const byCategory = (report[section] ?? {}) as Record<string, WapitiItem[]>;
    for (const [category, items] of Object.entries(byCategory)) {
      for (const item of Array.isArray(items) ? items : []) {
        findings.push({
          tool: 'wapiti',
          id: category,
          severity: LEVELS[String(item.level ?? '0')] ?? 'high',
          target: `${item.method ?? 'GET'} ${item.path ?? '?'}`,
          parameter: item.parameter ?? '',
          detail: item.info ?? '',
        });
      }
    }
  }
  return findings;
}

/** How many URLs and forms wapiti says it found while crawling. */
export function wapitiCrawled(output: string): number {
  return Number(/Wapiti found (\d+) URLs and forms/.exec(output)?.[1] ?? 0);
}

export async function runWapiti(options: WapitiOptions): Promise<ToolRun> {
  const base = { tool: 'wapiti', findings: [] as ToolFinding[] };
  if (!existsSync(WAPITI_BINARY) || !existsSync(SYSTEM_PYTHON)) return { ...base, ran: false, seconds: 0, notes: [], errors: [] };
  await mkdir(options.workDir, { recursive: true });
  const cookieFile = path.join(options.workDir, 'cookies.json');
  const reportFile = path.join(options.workDir, 'wapiti.json');
  await writeFile(cookieFile, JSON.stringify(wapitiCookieJar(options.origin, options.cookies)), { mode: 0o600 });
  // wapiti 3.0.4 stops crawling at --max-scan-time but then still gives each attack module up to
  // --max-attack-time (on a loaded machine most modules use it all: a CI run was killed at 150 + 60 s
  // in its ninth module of twelve), so the hard limit is the sum of wapiti's own limits: it only catches a hang.
  const hardLimitSeconds = options.maxScanSeconds + WAPITI_MODULES.length * options.maxAttackSeconds + 60;
  const result = await runBounded(SYSTEM_PYTHON, wapitiArgs(options, cookieFile, reportFile), { timeoutMs: hardLimitSeconds * 1000, logFile: path.join(options.workDir, 'wapiti.log') });
  const notes = [`${wapitiCrawled(result.output)} URLs and forms crawled under ${options.origin}/ (modules ${WAPITI_MODULES.join(', ')}; never ${options.excludePaths.join(', ')})`];
  for (const stopped of result.output.matchAll(/Max attack time was reached for module (\w+)/g)) notes.push(`module ${stopped[1]} stopped at its ${options.maxAttackSeconds} s limit`);
  if (/Max scan time was reached/i.test(result.output)) notes.push(`scan stopped at its ${options.maxScanSeconds} s limit`);
  notes.push(`log: ${path.join(options.workDir, 'wapiti.log')}`);
  const errors: string[] = [];
  if (result.startError) errors.push(`could not start: ${result.startError}`);
  else if (result.timedOut) errors.push(`still running ${hardLimitSeconds} s after start: killed`);
  else if (result.code !== 0) errors.push(`exited with ${result.code ?? result.signal}: ${result.output.trim().split('\n').slice(-3).join(' | ')}`);
  let findings: ToolFinding[] = [];
  if (errors.length === 0) {
    try {
      findings = parseWapitiReport(JSON.parse(await readFile(reportFile, 'utf8')));
    } catch (error) {
      errors.push(`no usable report in ${reportFile}: ${(error as Error).message}`);
    }
  }
  return { ...base, ran: errors.length === 0, seconds: result.seconds, findings, notes, errors };
}

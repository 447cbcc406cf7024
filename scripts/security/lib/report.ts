import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolSummary } from '../dast-tools/tool-findings.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
export const REPORT_DIR = process.env.SECURITY_REPORT_DIR ?? path.join(REPO_ROOT, 'reports', 'security');

/** The counts each stage contributes to reports/security/summary.json (the exact shape). */
export interface Summary {
  sca: { packages: number; vulnerabilities: number };
  sast: { files: number; findings: number };
  fuzz: { operations: number; requests: number; server_errors: number; schema_violations: number };
  /** Our own checks, and per external tool (wapiti, sqlmap) its verdict and findings by severity. */
  dast: { checks: number; failed: number; tools?: Record<string, ToolSummary> };
  sbom: { components: number };
}

export type StageName = keyof Summary | 'secrets';

export interface StageOutcome {
  readonly stage: StageName;
  readonly ok: boolean;
  /** The human-readable report (also printed). */
  readonly report: string;
  /** For the summary stages, exactly the fields of Summary[stage]. */
  readonly counts: Readonly<Record<string, number>>;
  /** DAST only: the external tools' verdicts and counts (summary.json's dast.tools). */
  readonly tools?: Readonly<Record<string, ToolSummary>>;
}

export async function writeReport(stage: StageName, text: string, dir = REPORT_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${stage}.txt`);
  await writeFile(file, text.endsWith('\n') ? text : `${text}\n`);
  return file;
}

const SUMMARY_KEYS: ReadonlyArray<keyof Summary> = ['sca', 'sast', 'fuzz', 'dast', 'sbom'];

/** Merges one stage's counts into summary.json, keeping the other stages' last counts. */
export async function recordSummary(stage: StageName, counts: object, dir = REPORT_DIR): Promise<void> {
  if (!(SUMMARY_KEYS as readonly string[]).includes(stage)) return;
  const file = path.join(dir, 'summary.json');
  let current: Partial<Summary> = {};
  try {
    current = JSON.parse(await readFile(file, 'utf8')) as Partial<Summary>;
  } catch {
    // First stage of a run, or no earlier summary.
  }
  const merged: Record<string, unknown> = {};
  for (const key of SUMMARY_KEYS) {
    const value = key === stage ? counts : current[key];
    if (value !== undefined) merged[key] = value;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
}

/** What a stage's outcome puts in summary.json: its counts, and the DAST tools' entries. */
export function summaryOf(outcome: StageOutcome): object {
  return outcome.tools ? { ...outcome.counts, tools: outcome.tools } : outcome.counts;
}

export async function resetSummary(dir = REPORT_DIR): Promise<void> {
  await rm(path.join(dir, 'summary.json'), { force: true });
}

/** Runs a stage from the command line: prints and writes its report, records its counts, sets the exit code. */
export async function runStageCli(run: () => Promise<StageOutcome>): Promise<void> {
  const started = Date.now();
  try {
    const outcome = await run();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const text = `${outcome.report.trimEnd()}\n\n${outcome.stage}: ${outcome.ok ? 'PASSED' : 'FAILED'} in ${seconds} s ${JSON.stringify(outcome.counts)}\n`;
    process.stdout.write(text);
    const file = await writeReport(outcome.stage, text);
    await recordSummary(outcome.stage, summaryOf(outcome));
    process.stdout.write(`report: ${path.relative(process.cwd(), file)}\n`);
    process.exitCode = outcome.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  }
}

export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** True when the module at `moduleUrl` is the script node (or tsx) was started with. */
export function isMain(moduleUrl: string): boolean {
  const started = process.argv[1];
  return started !== undefined && path.resolve(started) === fileURLToPath(moduleUrl);
}

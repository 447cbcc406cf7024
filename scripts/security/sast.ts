// SAST: eslint with eslint.config.js (type-aware typescript-eslint, eslint-plugin-security,
// @microsoft/eslint-plugin-sdl, no-unsanitized and this codebase's own bans). Zero findings allowed.
import path from 'node:path';
import { ESLint } from 'eslint';
import { createConfig, LINT_TARGETS } from '../../eslint.config.js';
import { isMain, REPO_ROOT, runStageCli, type StageOutcome } from './lib/report.js';

export interface SastOptions {
  /** The project to lint (the repository, or a test's temporary project with its own tsconfig.json). */
  readonly rootDir: string;
  /** Paths relative to rootDir; default: the config's LINT_TARGETS. */
  readonly targets?: readonly string[];
}

export interface SastFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly rule: string;
  readonly message: string;
}

export async function runSast(options: SastOptions): Promise<StageOutcome & { findings: SastFinding[] }> {
  const targets = options.targets ?? LINT_TARGETS;
  const eslint = new ESLint({
    cwd: options.rootDir,
    overrideConfigFile: true,
    overrideConfig: createConfig(options.rootDir),
    errorOnUnmatchedPattern: false,
  });
  const results = await eslint.lintFiles([...targets]);
  const findings: SastFinding[] = [];
  for (const result of results) {
    for (const message of result.messages) {
      findings.push({
        file: path.relative(options.rootDir, result.filePath),
        line: message.line,
        column: message.column,
        // A parse error has no rule: it is still a finding (the file was not analysed).
        rule: message.ruleId ?? (message.fatal ? 'parse-error' : 'eslint'),
        message: message.message,
      });
    }
  }
  const byRule = new Map<string, number>();
  for (const f of findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const lines = [
    `SAST (eslint ${ESLint.version}, type-aware) over ${targets.join(', ')}: ${results.length} files`,
    '',
    ...findings.map((f) => `${f.file}:${f.line}:${f.column}  ${f.rule}  ${f.message}`),
    ...(byRule.size ? ['', 'by rule:', ...[...byRule].sort((a, b) => b[1] - a[1]).map(([rule, n]) => `  ${String(n).padStart(4)}  ${rule}`)] : []),
    '',
    `${findings.length} finding(s); zero allowed`,
  ];
  return { stage: 'sast', ok: findings.length === 0, report: lines.join('\n'), counts: { files: results.length, findings: findings.length }, findings };
}

if (isMain(import.meta.url)) await runStageCli(() => runSast({ rootDir: REPO_ROOT }));

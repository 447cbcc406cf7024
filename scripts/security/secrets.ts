// Secrets: every file git tracks, against provider token shapes, private keys and high-entropy
// assignments to secret-looking names. Secrets belong in the environment or in files under
// DATA_DIR, never in the repository; test fixtures pass only through security/secrets-allowlist.json.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { isMain, REPO_ROOT, runStageCli, table, type StageOutcome } from './lib/report.js';
import { findSecrets, redactSecret } from './secrets/rules.js';

const MAX_BYTES = 2 * 1024 * 1024;

export interface SecretsAllowEntry {
  /** A path relative to the repository; `*` matches within a folder, `**` across folders. */
  readonly path: string;
  /** A rule id, or "*" for any rule. */
  readonly rule: string;
  readonly reason: string;
}

export interface SecretsOptions {
  readonly rootDir: string;
  readonly allowlistFile: string | null;
}

export async function runSecrets(options: SecretsOptions): Promise<StageOutcome> {
  const files = await trackedFiles(options.rootDir);
  const { entries, errors } = await loadSecretsAllowlist(options.allowlistFile);
  const rows: string[][] = [['file:line', 'rule', 'match']];
  const allowed: string[] = [];
  let scanned = 0;
  let findings = 0;
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(options.rootDir, file));
    } catch {
      continue; // deleted in the working tree
    }
    if (bytes.length > MAX_BYTES || bytes.subarray(0, 8192).includes(0)) continue; // binary or data dump
    scanned += 1;
    for (const match of findSecrets(bytes.toString('utf8'))) {
      const entry = entries.find((e) => (e.rule === '*' || e.rule === match.rule.id) && globToRegExp(e.path).test(file));
      if (entry) {
        allowed.push(`${file}:${match.line} ${match.rule.id} (allowlisted: ${entry.reason})`);
        continue;
      }
      findings += 1;
      rows.push([`${file}:${match.line}`, match.rule.id, redactSecret(match.secret)]);
    }
  }
  const lines = [
    `Secret scan of ${scanned} tracked text files (of ${files.length} tracked)`,
    '',
    findings === 0 ? 'no secrets found' : table(rows),
    ...(allowed.length ? ['', `${allowed.length} allowlisted match(es):`, ...allowed.map((a) => `  ${a}`)] : []),
    ...errors.map((e) => `error: ${e}`),
    '',
    `${findings} finding(s); zero allowed. Put secrets in the environment or a file under DATA_DIR (see README).`,
  ];
  return { stage: 'secrets', ok: findings === 0 && errors.length === 0, report: lines.join('\n'), counts: { files: scanned, findings } };
}

async function trackedFiles(rootDir: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('git', ['ls-files', '-z'], { cwd: rootDir, maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\0').filter((f) => f !== '');
}

async function loadSecretsAllowlist(file: string | null): Promise<{ entries: SecretsAllowEntry[]; errors: string[] }> {
  if (file === null) return { entries: [], errors: [] };
  let raw: { entries?: unknown };
  try {
    raw = JSON.parse(await readFile(file, 'utf8')) as { entries?: unknown };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], errors: [] };
    return { entries: [], errors: [`${file}: ${(error as Error).message}`] };
  }
  const entries: SecretsAllowEntry[] = [];
  const errors: string[] = [];
  for (const [index, item] of (Array.isArray(raw.entries) ? raw.entries : []).entries()) {
    const entry = item as Partial<SecretsAllowEntry>;
    if (typeof entry.path !== 'string' || typeof entry.rule !== 'string' || typeof entry.reason !== 'string' || entry.reason.trim() === '') {
      errors.push(`secrets allowlist entry ${index}: path, rule and a reason are required`);
    } else if (/^\*+$/.test(entry.path)) {
      errors.push(`secrets allowlist entry ${index}: a path that matches everything is not an allowlist`);
    } else entries.push(entry as SecretsAllowEntry);
  }
  return { entries, errors };
}

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob.charAt(i);
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (char === '*') source += '[^/]*';
    else source += char.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  // eslint-disable-next-line security/detect-non-literal-regexp -- built from the repository's own allowlist, every character escaped
  return new RegExp(`^${source}$`);
}

if (isMain(import.meta.url)) {
  await runStageCli(() => runSecrets({ rootDir: REPO_ROOT, allowlistFile: path.join(REPO_ROOT, 'security', 'secrets-allowlist.json') }));
}

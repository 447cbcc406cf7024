// SBOM: CycloneDX JSON of the production dependencies (cyclonedx-npm --omit dev), licences
// included, then the licence policy (security/licence-policy.json) over every component.
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { isMain, REPO_ROOT, REPORT_DIR, runStageCli, table, type StageOutcome } from './lib/report.js';
import { checkLicences, componentsOfBom, loadPolicy } from './sbom/licence-policy.js';

const CYCLONEDX = path.join(REPO_ROOT, 'node_modules', '.bin', 'cyclonedx-npm');

export interface SbomOptions {
  /** The npm project (package.json, package-lock.json and an installed node_modules). */
  readonly rootDir: string;
  readonly outputFile: string;
  readonly policyFile: string;
}

/** Runs cyclonedx-npm on the project's installed tree and returns the BOM it wrote. */
export async function generateBom(rootDir: string, outputFile: string): Promise<{ components?: unknown[]; specVersion?: string }> {
  await mkdir(path.dirname(outputFile), { recursive: true });
  const args = ['--omit', 'dev', '--output-format', 'JSON', '--spec-version', '1.6', '--validate', '--output-file', outputFile, path.join(rootDir, 'package.json')];
  await promisify(execFile)(CYCLONEDX, args, { cwd: rootDir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_ENV: 'production' } });
  return JSON.parse(await readFile(outputFile, 'utf8')) as { components?: unknown[]; specVersion?: string };
}

export async function runSbom(options: SbomOptions): Promise<StageOutcome> {
  const bom = await generateBom(options.rootDir, options.outputFile);
  const components = componentsOfBom(bom as Parameters<typeof componentsOfBom>[0]);
  const policy = await loadPolicy(options.policyFile);
  const results = checkLicences(components, policy);
  const failing = results.filter((r) => r.verdict !== 'allow' && r.exception === null);
  const excepted = results.filter((r) => r.verdict !== 'allow' && r.exception !== null);
  const byLicence = new Map<string, number>();
  for (const r of results) byLicence.set(r.component.licence ?? '(none)', (byLicence.get(r.component.licence ?? '(none)') ?? 0) + 1);
  const lines = [
    `SBOM: CycloneDX ${bom.specVersion ?? '?'} JSON, ${components.length} components (production dependencies) -> ${path.relative(process.cwd(), options.outputFile)}`,
    '',
    'licences:',
    ...[...byLicence].sort((a, b) => b[1] - a[1]).map(([licence, n]) => `  ${String(n).padStart(4)}  ${licence}`),
    ...(excepted.length ? ['', 'policy exceptions:', ...excepted.map((r) => `  ${r.component.name}@${r.component.version} ${r.component.licence ?? '(none)'}: ${r.exception ?? ''}`)] : []),
    '',
    failing.length === 0
      ? 'licence policy: every component passes'
      : table([['verdict', 'component', 'licence'], ...failing.map((r) => [r.verdict === 'deny' ? 'DENIED' : 'NOT ALLOWED', `${r.component.name}@${r.component.version}`, r.component.licence ?? '(none: unknown licence)'])]),
    '',
    `${failing.length} component(s) violate the licence policy (${path.relative(process.cwd(), options.policyFile)})`,
  ];
  return { stage: 'sbom', ok: failing.length === 0, report: lines.join('\n'), counts: { components: components.length } };
}

if (isMain(import.meta.url)) {
  await runStageCli(() =>
    runSbom({ rootDir: REPO_ROOT, outputFile: path.join(REPORT_DIR, 'sbom.cdx.json'), policyFile: path.join(REPO_ROOT, 'security', 'licence-policy.json') }),
  );
}

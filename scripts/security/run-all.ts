// Runs every security stage (one failing stage does not stop the others), writes each report
// and reports/security/summary.json, and exits non-zero when any stage failed.
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { runDastStage } from './dast.js';
import { MIN_REQUESTS, photovaultContexts, runFuzz } from './fuzz.js';
import { smallJpeg } from './lib/photovault.js';
import { recordSummary, REPO_ROOT, REPORT_DIR, resetSummary, summaryOf, table, writeReport, type StageName, type StageOutcome } from './lib/report.js';
import { runSast } from './sast.js';
import { DEFAULT_ADVISORY_DIR, runSca } from './sca.js';
import { runSbom } from './sbom.js';
import { runSecrets } from './secrets.js';

const EMPTY_COUNTS: Record<string, Record<string, number>> = {
  sca: { packages: 0, vulnerabilities: 0 },
  sast: { files: 0, findings: 0 },
  fuzz: { operations: 0, requests: 0, server_errors: 0, schema_violations: 0 },
  dast: { checks: 0, failed: 0 },
  sbom: { components: 0 },
  secrets: { files: 0, findings: 0 },
};

const stages: ReadonlyArray<readonly [StageName, () => Promise<StageOutcome>]> = [
  ['secrets', () => runSecrets({ rootDir: REPO_ROOT, allowlistFile: path.join(REPO_ROOT, 'security', 'secrets-allowlist.json') })],
  [
    'sca',
    () =>
      runSca({
        lockfile: path.join(REPO_ROOT, 'package-lock.json'),
        advisoryDir: process.env.SCA_ADVISORY_DIR ?? DEFAULT_ADVISORY_DIR,
        osvDir: process.env.OSV_DIR ?? null,
        allowlistFile: path.join(REPO_ROOT, 'security', 'allowlist.json'),
        nodeVersion: process.version,
        today: new Date(),
        registry: process.env.SCA_OFFLINE === '1' ? null : (process.env.npm_config_registry ?? 'https://registry.npmjs.org/'),
      }),
  ],
  ['sbom', () => runSbom({ rootDir: REPO_ROOT, outputFile: path.join(REPORT_DIR, 'sbom.cdx.json'), policyFile: path.join(REPO_ROOT, 'security', 'licence-policy.json') })],
  ['sast', () => runSast({ rootDir: REPO_ROOT })],
  [
    'fuzz',
    async () => {
      const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31 - 1);
      process.stdout.write(`FUZZ_SEED=${seed}\n`);
      const target = await (await import('./lib/target-app.js')).startPhotovault({}, path.join(REPORT_DIR, 'fuzz-app.log'));
      try {
        return await runFuzz({
          origin: target.origin,
          seed,
          runs: process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : null,
          minRequests: MIN_REQUESTS,
          authenticate: (origin, doc) => photovaultContexts(origin, doc, seed, target.drain),
          files: [await smallJpeg('#a53')],
        });
      } finally {
        await target.close();
      }
    },
  ],
  [
    'dast',
    async () => {
      const target = await (await import('./lib/target-app.js')).startPhotovault({ TRUST_PROXY: 'true' }, path.join(REPORT_DIR, 'dast-app.log'));
      try {
        return await runDastStage(target.origin, { drain: target.drain, dataDir: target.dataDir, httpsViaForwardedProto: true, log: (line) => process.stdout.write(`${line}\n`) });
      } finally {
        await target.close();
      }
    },
  ],
];

async function main(): Promise<void> {
  // SECURITY_STAGES=sca,sast runs some stages only, updating their part of the summary.
  const only = process.env.SECURITY_STAGES?.split(',').map((s) => s.trim());
  if (!only) await resetSummary();
  const rows: string[][] = [['stage', 'result', 'seconds', 'counts']];
  let failed = 0;
  for (const [name, run] of stages) {
    if (only && !only.includes(name)) continue;
    const started = Date.now();
    process.stdout.write(`\n=== security: ${name} ===\n`);
    let outcome: StageOutcome;
    try {
      outcome = await run();
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      outcome = { stage: name, ok: false, report: `${name} could not run:\n${message}`, counts: EMPTY_COUNTS[name] ?? {} };
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const text = `${outcome.report.trimEnd()}\n\n${name}: ${outcome.ok ? 'PASSED' : 'FAILED'} in ${seconds} s ${JSON.stringify(outcome.counts)}\n`;
    process.stdout.write(text);
    await writeReport(name, text);
    await recordSummary(name, summaryOf(outcome));
    rows.push([name, outcome.ok ? 'passed' : 'FAILED', seconds, JSON.stringify(outcome.counts)]);
    if (!outcome.ok) failed += 1;
  }
  const overview = `${table(rows)}\n\n${failed === 0 ? 'all stages passed' : `${failed} stage(s) failed`}; reports in ${path.relative(process.cwd(), REPORT_DIR)}/\n`;
  await writeReport('run-all' as StageName, overview);
  process.stdout.write(`\n=== security: summary ===\n${overview}`);
  process.exitCode = failed === 0 ? 0 : 1;
}

await main();

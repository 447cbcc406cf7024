import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLicences, evaluateExpression, loadPolicy, type LicencePolicy } from '../../scripts/security/sbom/licence-policy.js';
import { runSbom } from '../../scripts/security/sbom.js';

const POLICY_FILE = path.resolve('security/licence-policy.json');
let policy: LicencePolicy;
let root: string;

/** A project with an installed tree: package.json, package-lock.json and node_modules/<name>/package.json. */
async function plantProject(dependencies: Record<string, string>): Promise<void> {
  const packages: Record<string, object> = { '': { name: 'planted', version: '1.0.0', license: 'MIT', dependencies: Object.fromEntries(Object.keys(dependencies).map((n) => [n, '1.0.0'])) } };
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'planted', version: '1.0.0', license: 'MIT', dependencies: Object.fromEntries(Object.keys(dependencies).map((n) => [n, '1.0.0'])) }));
  for (const [name, license] of Object.entries(dependencies)) {
    packages[`node_modules/${name}`] = { version: '1.0.0', license };
    await mkdir(path.join(root, 'node_modules', name), { recursive: true });
    await writeFile(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', license }));
  }
  await writeFile(path.join(root, 'package-lock.json'), JSON.stringify({ name: 'planted', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
}

beforeAll(async () => {
  policy = await loadPolicy(POLICY_FILE);
  root = await mkdtemp(path.join(os.tmpdir(), 'sbom-test-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('licence policy', () => {
  it('evaluates SPDX expressions: OR takes the better side, AND the worse', () => {
    expect(evaluateExpression('MIT', policy)).toBe('allow');
    expect(evaluateExpression('(MIT OR GPL-3.0-only)', policy)).toBe('allow');
    expect(evaluateExpression('Apache-2.0 AND GPL-2.0-or-later', policy)).toBe('deny');
    expect(evaluateExpression('AGPL-3.0-only', policy)).toBe('deny');
    expect(evaluateExpression('SSPL-1.0', policy)).toBe('deny');
    expect(evaluateExpression('GPL-2.0+', policy)).toBe('deny');
    expect(evaluateExpression('LGPL-3.0-or-later', policy)).toBe('review');
  });

  it('fails unknown licences and lets only a named exception through', () => {
    const results = checkLicences(
      [
        { name: 'no-licence', version: '1.0.0', licence: null },
        { name: 'custom', version: '1.0.0', licence: 'SEE LICENSE IN LICENSE.txt' },
        { name: '@img/sharp-libvips-linux-x64', version: '1.0.0', licence: 'LGPL-3.0-or-later' },
        { name: 'other-lgpl', version: '1.0.0', licence: 'LGPL-3.0-or-later' },
      ],
      policy,
    );
    expect(results.map((r) => [r.component.name, r.verdict, r.exception !== null])).toEqual([
      ['no-licence', 'deny', false],
      ['custom', 'deny', false],
      ['@img/sharp-libvips-linux-x64', 'review', true],
      ['other-lgpl', 'review', false],
    ]);
  });
});

// Each stage run spawns cyclonedx-npm, which runs npm ls; it took up to 30 s in the machine's slowest phase.
const CYCLONEDX_RUN_TIMEOUT_MS = 120_000;

describe('SBOM stage', () => {
  it('writes a CycloneDX SBOM with licences and fails on a GPL dependency', async () => {
    await plantProject({ 'permissive-lib': 'MIT', 'copyleft-lib': 'GPL-3.0-only' });
    const outputFile = path.join(root, 'sbom.cdx.json');
    const outcome = await runSbom({ rootDir: root, outputFile, policyFile: POLICY_FILE });
    expect(outcome.ok).toBe(false);
    expect(outcome.counts).toEqual({ components: 2 });
    expect(outcome.report).toMatch(/DENIED\s+copyleft-lib@1\.0\.0\s+GPL-3\.0-only/);
    expect(outcome.report).not.toMatch(/permissive-lib@1\.0\.0\s/);
  }, CYCLONEDX_RUN_TIMEOUT_MS);

  it('passes when every licence is allowed', async () => {
    await rm(path.join(root, 'node_modules'), { recursive: true, force: true });
    await plantProject({ 'permissive-lib': 'MIT', 'apache-lib': 'Apache-2.0' });
    const outcome = await runSbom({ rootDir: root, outputFile: path.join(root, 'sbom.cdx.json'), policyFile: POLICY_FILE });
    expect(outcome.ok).toBe(true);
  }, CYCLONEDX_RUN_TIMEOUT_MS);
});

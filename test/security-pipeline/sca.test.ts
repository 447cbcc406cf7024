import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeWith } from '../support/requirements.js';
import { DEFAULT_ADVISORY_DIR, runSca, type ScaOptions } from '../../scripts/security/sca.js';

// The Node.js Security WG database next to the repository (or SCA_ADVISORY_DIR, as for the stage).
const ADVISORY_DIR = process.env.SCA_ADVISORY_DIR ?? DEFAULT_ADVISORY_DIR;
const HAVE_ADVISORIES = existsSync(path.join(ADVISORY_DIR, 'npm', '493.json'));
const ADVISORIES_MISSING = `the Node.js Security WG advisory database (${path.join(ADVISORY_DIR, 'npm', '493.json')} not found; set SCA_ADVISORY_DIR to a copy of it)`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sca-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A lockfile v3 with the given packages installed (nested locations allowed). */
async function plantLockfile(packages: Record<string, string>): Promise<string> {
  const entries: Record<string, object> = { '': { name: 'planted', version: '1.0.0' } };
  for (const [location, version] of Object.entries(packages)) entries[location] = { version, license: 'MIT' };
  const file = path.join(dir, 'package-lock.json');
  await writeFile(file, JSON.stringify({ name: 'planted', lockfileVersion: 3, packages: entries }));
  return file;
}

function options(lockfile: string, overrides: Partial<ScaOptions> = {}): ScaOptions {
  return {
    lockfile,
    advisoryDir: ADVISORY_DIR,
    osvDir: null,
    allowlistFile: null,
    // A supported LTS release with no runtime advisory in the data: only packages are under test.
    nodeVersion: 'v24.18.0',
    today: new Date('2026-11-21T12:00:00Z'),
    registry: null,
    ...overrides,
  };
}

describeWith(HAVE_ADVISORIES ? null : ADVISORIES_MISSING, 'SCA against the Node.js Security WG data', () => {
  it('finds a known-vulnerable transitive package (lodash 4.17.10, NSWG-ECO-493, CVSS 7.0) and fails', async () => {
    const lockfile = await plantLockfile({ 'node_modules/express-thing': '1.0.0', 'node_modules/express-thing/node_modules/lodash': '4.17.10' });
    const outcome = await runSca(options(lockfile));
    expect(outcome.ok).toBe(false);
    expect(outcome.counts).toEqual({ packages: 2, vulnerabilities: 1 });
    expect(outcome.report).toMatch(/FAIL\s+high\s+NSWG-ECO-493\s+lodash@4\.17\.10\s+node_modules\/express-thing\/node_modules\/lodash/);
  });

  it('passes a patched version', async () => {
    const outcome = await runSca(options(await plantLockfile({ 'node_modules/lodash': '4.17.21' })));
    expect(outcome.ok).toBe(true);
    expect(outcome.counts.vulnerabilities).toBe(0);
  });

  it('lets an unexpired allowlist entry with a reason cover the finding, and fails once it has expired', async () => {
    const lockfile = await plantLockfile({ 'node_modules/lodash': '4.17.10' });
    const allowlistFile = path.join(dir, 'allowlist.json');
    const entry = { id: 'CVE-2018-16487', package: 'lodash', reason: 'merge() never sees user input here' };
    await writeFile(allowlistFile, JSON.stringify({ entries: [{ ...entry, expires: '2027-01-01' }] }));
    const allowed = await runSca(options(lockfile, { allowlistFile }));
    expect(allowed.ok).toBe(true);
    expect(allowed.report).toContain('allowed until 2027-01-01');

    await writeFile(allowlistFile, JSON.stringify({ entries: [{ ...entry, expires: '2026-11-01' }] }));
    const expired = await runSca(options(lockfile, { allowlistFile }));
    expect(expired.ok).toBe(false);
    expect(expired.report).toMatch(/expired on 2026-11-01/);
  });

  it('refuses an allowlist entry without a reason', async () => {
    const allowlistFile = path.join(dir, 'allowlist.json');
    await writeFile(allowlistFile, JSON.stringify({ entries: [{ id: 'NSWG-ECO-493', package: 'lodash', expires: '2027-01-01' }] }));
    const outcome = await runSca(options(await plantLockfile({ 'node_modules/lodash': '4.17.10' }), { allowlistFile }));
    expect(outcome.ok).toBe(false);
    expect(outcome.report).toContain('missing or invalid reason');
  });

  it('checks the running Node.js against runtime advisories and its end-of-life date', async () => {
    const lockfile = await plantLockfile({});
    const old = await runSca(options(lockfile, { nodeVersion: 'v20.20.0' }));
    expect(old.report).toContain('NSWG-CORE-171'); // the March 2026 V8 HashDoS, patched in 20.20.2
    expect(old.report).toMatch(/FAIL\s+high\s+NODE-EOL-20\s+node@v20\.20\.0/);
    expect(old.ok).toBe(false);
    const current = await runSca(options(lockfile, { nodeVersion: 'v24.18.0' }));
    expect(current.ok).toBe(true);
    expect(current.report).toContain('Node.js 24 is supported until 2028-04-30');
  });
});

describe('SCA with OSV records and the registry', () => {
  it('reads OSV JSON (semver ranges, severity) and fails on a critical match', async () => {
    const osvDir = path.join(dir, 'osv');
    await mkdir(osvDir);
    await writeFile(
      path.join(osvDir, 'GHSA-test-0001.json'),
      JSON.stringify({
        id: 'GHSA-test-0001',
        aliases: ['CVE-2099-0001'],
        summary: 'Planted critical flaw',
        database_specific: { severity: 'CRITICAL' },
        affected: [{ package: { ecosystem: 'npm', name: 'planted-pkg' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }],
      }),
    );
    const vulnerable = await runSca(options(await plantLockfile({ 'node_modules/planted-pkg': '1.9.9' }), { advisoryDir: null, osvDir }));
    expect(vulnerable.ok).toBe(false);
    expect(vulnerable.report).toMatch(/FAIL\s+critical\s+GHSA-test-0001\s+planted-pkg@1\.9\.9/);
    const fixed = await runSca(options(await plantLockfile({ 'node_modules/planted-pkg': '2.0.0' }), { advisoryDir: null, osvDir }));
    expect(fixed.counts.vulnerabilities).toBe(0);
  });

  it('asks the registry bulk endpoint first and falls back offline when it refuses (405)', async () => {
    let answer: { status: number; body: object } = { status: 200, body: { 'planted-pkg': [{ id: 1099, url: 'https://github.com/advisories/GHSA-test-0002', title: 'Planted', severity: 'high', vulnerable_versions: '<3.0.0' }] } };
    let asked: unknown = null;
    const registry = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        asked = { url: request.url, body: JSON.parse(body) as unknown };
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
    try {
      const lockfile = await plantLockfile({ 'node_modules/planted-pkg': '2.5.0' });
      const online = await runSca(options(lockfile, { advisoryDir: null, registry: url }));
      expect(asked).toEqual({ url: '/-/npm/v1/security/advisories/bulk', body: { 'planted-pkg': ['2.5.0'] } });
      expect(online.ok).toBe(false);
      expect(online.report).toMatch(/FAIL\s+high\s+GHSA-test-0002\s+planted-pkg@2\.5\.0/);

      answer = { status: 405, body: {} };
      const refused = await runSca(options(lockfile, { advisoryDir: null, registry: url }));
      expect(refused.report).toContain('answered HTTP 405');
      // Neither the registry nor offline data: the stage cannot vouch for anything, so it fails.
      expect(refused.ok).toBe(false);
      expect(refused.report).toContain('no advisory source');
    } finally {
      registry.close();
    }
  });
});

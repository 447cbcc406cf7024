import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { recordSummary, resetSummary } from '../../scripts/security/lib/report.js';

const read = (file: string) => readFile(path.resolve(file), 'utf8');

describe('summary.json', () => {
  it('has exactly the shape of issue 5, whichever order the stages finish in', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'summary-test-'));
    try {
      await resetSummary(dir);
      await recordSummary('dast', { checks: 10, failed: 1 }, dir);
      await recordSummary('secrets', { files: 3, findings: 0 }, dir);
      await recordSummary('sca', { packages: 5, vulnerabilities: 0 }, dir);
      await recordSummary('sbom', { components: 4 }, dir);
      await recordSummary('sast', { files: 2, findings: 0 }, dir);
      await recordSummary('fuzz', { operations: 1, requests: 2000, server_errors: 0, schema_violations: 0 }, dir);
      const summary = JSON.parse(await readFile(path.join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
      expect(summary).toEqual({
        sca: { packages: 5, vulnerabilities: 0 },
        sast: { files: 2, findings: 0 },
        fuzz: { operations: 1, requests: 2000, server_errors: 0, schema_violations: 0 },
        dast: { checks: 10, failed: 1 },
        sbom: { components: 4 },
      });
      expect(Object.keys(summary)).toEqual(['sca', 'sast', 'fuzz', 'dast', 'sbom']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('container and CI files', () => {
  it('builds on a digest-pinned Node LTS slim base, as a non-root user, without dev dependencies, with a health check', async () => {
    const dockerfile = await read('deploy/Dockerfile');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-bookworm-slim@sha256:[0-9a-f]{64}$/m);
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)).toHaveLength(3);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/data"\]$/m);
    // The last stage runs as node: nothing after USER switches back to root.
    expect(dockerfile.slice(dockerfile.lastIndexOf('USER '))).not.toMatch(/^USER root/m);
  });

  it('keeps secrets and local state out of the build context', async () => {
    const ignored = (await read('.dockerignore')).split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['.git', 'node_modules', 'data', '.env', '.env.*', 'reports']));
  });

  it('has a workflow that parses and runs the tests, npm run security, Trivy, ZAP and Schemathesis', async () => {
    const document = YAML.parseDocument(await read('.github/workflows/security.yml'));
    expect(document.errors).toEqual([]);
    const workflow = document.toJS() as { permissions: unknown; jobs: Record<string, { steps: Array<{ run?: string; uses?: string }> }> };
    expect(workflow.permissions).toEqual({ contents: 'read' });
    const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('bash .ci/run');
    expect(runs).toMatch(/image --exit-code 1 --severity HIGH,CRITICAL/);
    expect(runs).toMatch(/config --exit-code 1/);
    expect(runs).toMatch(/--format cyclonedx/);
    expect(runs).toMatch(/zap-api-scan\.py -t http:\/\/127\.0\.0\.1:3000\/openapi\.json -f openapi/);
    expect(runs).toMatch(/schemathesis run http:\/\/127\.0\.0\.1:3000\/openapi\.json/);
    expect(runs).toMatch(/--read-only --tmpfs \/tmp/);
  });

  it('runs npm run security in CI after the tests', async () => {
    const ci = await read('.ci/run');
    expect(ci.indexOf('npm run security')).toBeGreaterThan(ci.indexOf('npm test'));
  });

  it('exposes each stage as a package script', async () => {
    const { scripts } = JSON.parse(await read('package.json')) as { scripts: Record<string, string> };
    for (const name of ['security', 'security:sca', 'security:sast', 'security:fuzz', 'security:dast', 'security:sbom', 'security:secrets', 'lint']) {
      expect(scripts[name], name).toBeTruthy();
    }
  });
});

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSecrets } from '../../scripts/security/secrets.js';

const git = promisify(execFile);
// Built from pieces so this test file itself holds no secret-shaped string.
const PEM = ['-----BEGIN ', 'RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAplanted\n-----END ', 'RSA PRIVATE KEY-----\n'].join('');
const GITHUB = 'ghp' + '_' + 'R4nd0mT0k3nV4lu3F0rT3st1ngPurp0s3s0nly';
const AWS = 'AKIA' + 'Z7QX3PLANTED0EXA';
const NPM = 'npm' + '_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const OPENAI = 'sk-' + 'proj-' + 'Xq9vL2mN8pR4tY6wZ1aB3cD5eF7gH9jK0lM2nP4qR6sT8';
const PASSWORD = 'Xy7#kP9q' + 'Lm2$vB4nQ';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'secrets-test-'));
  await git('git', ['init', '-q'], { cwd: root });
  await mkdir(path.join(root, 'src'));
  await mkdir(path.join(root, 'test/fixtures'), { recursive: true });
  await writeFile(path.join(root, 'src/deploy-key.pem'), PEM);
  await writeFile(path.join(root, 'src/config.ts'), `export const github = '${GITHUB}';\nexport const aws = '${AWS}';\nconst password = "${PASSWORD}";\n`);
  await writeFile(path.join(root, '.npmrc'), `//registry.npmjs.org/:_authToken=${NPM}\n`);
  await writeFile(path.join(root, 'src/agent.ts'), `const key = process.env.OPENAI_API_KEY ?? '${OPENAI}';\nconst fromEnv = process.env.SECRET_KEY;\nconst placeholder = 'changeme-changeme';\n`);
  await writeFile(path.join(root, 'test/fixtures/test-key.pem'), PEM);
  await writeFile(path.join(root, 'untracked.pem'), PEM);
  await writeFile(path.join(root, 'allowlist.json'), JSON.stringify({ entries: [{ path: 'test/fixtures/*.pem', rule: 'private-key', reason: 'a throwaway key for TLS tests' }] }));
  await git('git', ['add', 'src', 'test', '.npmrc', 'allowlist.json'], { cwd: root });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('secret scan', () => {
  it('finds each planted secret in tracked files, with file and line', async () => {
    const outcome = await runSecrets({ rootDir: root, allowlistFile: path.join(root, 'allowlist.json') });
    expect(outcome.ok).toBe(false);
    for (const expected of [
      /src\/deploy-key\.pem:1\s+private-key/,
      /src\/config\.ts:1\s+github-token/,
      /src\/config\.ts:2\s+aws-access-key-id/,
      /src\/config\.ts:3\s+generic-secret-assignment/,
      /\.npmrc:1\s+npm-token/,
      /src\/agent\.ts:1\s+openai-project-key/,
    ]) {
      expect(outcome.report).toMatch(expected);
    }
    // Secrets are shown redacted, never whole.
    expect(outcome.report).not.toContain(GITHUB);
  });

  it('lets allowlisted fixtures through, skips untracked files and references to the environment', async () => {
    const outcome = await runSecrets({ rootDir: root, allowlistFile: path.join(root, 'allowlist.json') });
    expect(outcome.report).toContain('test/fixtures/test-key.pem:1 private-key (allowlisted: a throwaway key for TLS tests)');
    expect(outcome.report).not.toMatch(/^test\/fixtures\/test-key\.pem:1/m); // not a finding row
    expect(outcome.report).not.toContain('untracked.pem');
    expect(outcome.report).not.toMatch(/src\/agent\.ts:[23]/);
  });

  it('fails the fixture too without the allowlist', async () => {
    const outcome = await runSecrets({ rootDir: root, allowlistFile: null });
    expect(outcome.report).toMatch(/^test\/fixtures\/test-key\.pem:1\s+private-key/m);
  });
});

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Each case in a fresh process: the failpoint set is read once, when the module loads. */
function reach(env: Record<string, string | undefined>): { status: number | null; stderr: string } {
  const script = "const { failpoint } = await import('./src/faults/failpoints.ts'); await Promise.race([failpoint('photo.scan').then(() => console.log('passed')), new Promise((r) => setTimeout(r, 500))]);";
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 20_000 });
  return { status: run.status, stderr: `${run.stdout}|${run.stderr}` };
}

describe('failpoints', () => {
  it('stop a test process at a named step, and say so', () => {
    const { stderr } = reach({ NODE_ENV: 'test', PHOTOVAULT_FAILPOINTS: 'photo.validate, photo.scan' });
    expect(stderr).toContain('FAILPOINT photo.scan');
    expect(stderr).not.toContain('passed');
  });

  it('are inert outside NODE_ENV=test, whatever PHOTOVAULT_FAILPOINTS says', () => {
    for (const NODE_ENV of ['production', 'development', undefined]) {
      const { stderr } = reach({ NODE_ENV, PHOTOVAULT_FAILPOINTS: 'photo.scan' });
      expect(stderr, String(NODE_ENV)).toContain('passed');
      expect(stderr).not.toContain('FAILPOINT');
    }
  });
});

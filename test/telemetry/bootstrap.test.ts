import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** What the bootstrap did in a fresh process: SDK loaded? telemetry active? */
async function probe(env: Record<string, string>): Promise<{ sdkLoaded: boolean; active: boolean }> {
  const script = [
    "import { createRequire } from 'node:module';",
    'const loaded = Object.keys(createRequire(import.meta.url).cache);',
    "const state = globalThis[Symbol.for('photovault.telemetry')];",
    "console.log(JSON.stringify({ sdkLoaded: loaded.some((f) => f.includes('@opentelemetry/sdk-node')), active: state?.active === true }));",
  ].join('\n');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_') && key !== 'NODE_OPTIONS'));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', './src/telemetry/register.ts', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: { ...inherited, ...env },
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { sdkLoaded: boolean; active: boolean };
}

describe('the telemetry bootstrap (--import register)', () => {
  it('does not even load the SDK when no endpoint is configured', async () => {
    expect(await probe({})).toEqual({ sdkLoaded: false, active: false });
  });

  it('does not load it when OTEL_SDK_DISABLED=true, whatever else is set', async () => {
    expect(await probe({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual({ sdkLoaded: false, active: false });
  });

  it('starts the SDK when an OTLP endpoint is set', async () => {
    expect(await probe({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_METRIC_EXPORT_INTERVAL: '600000' })).toEqual({ sdkLoaded: true, active: true });
  });
});

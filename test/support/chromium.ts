import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it); browsers are never downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** What a browser suite lacks (for describeWith: skipped with this reason locally, a failure in CI), or null. */
export const CHROMIUM_MISSING = existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} not found: install Debian's chromium (apt-get install -y chromium)`;

/** Headless Chromium with the flags this closed network needs (no background connections), plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic', ...extraArgs],
  });
}

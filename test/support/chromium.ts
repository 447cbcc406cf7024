import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (.ci/run installs it); browsers are never downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Browser suites skip only off CI when Chromium is missing; in CI a missing browser fails them. */
export const chromiumUnavailable = !existsSync(CHROMIUM_PATH) && !process.env.CI;

/** Headless Chromium with the flags this closed network needs (no background connections), plus `extraArgs`. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic', ...extraArgs],
  });
}

import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { STRONG_PASSWORD } from './client.js';
import { startListeningApp, type ListeningApp } from './server.js';

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

/** Signs up through the forms as `username` (password STRONG_PASSWORD) and logs in; ends on the gallery. */
export async function signUpAndLogIn(page: Page, origin: string, username: string): Promise<void> {
  await page.goto(`${origin}/accounts/signup/`);
  await page.fill('#id_username', username);
  await page.fill('#id_email', `${username}@example.com`);
  await page.fill('#id_password1', STRONG_PASSWORD);
  await page.fill('#id_password2', STRONG_PASSWORD);
  await page.click('button[type=submit]:text("Sign up")');
  await page.waitForURL(/\/accounts\/login\//);
  await page.fill('#id_username', username);
  await page.fill('#id_password', STRONG_PASSWORD);
  await page.click('button[type=submit]:text("Log in")');
  await page.waitForURL(/\/photos\/$/);
}

/** Logs out from the header and logs in again with the password: the second step when two-factor login is on. */
export async function logOutAndIn(page: Page, username: string, landing: RegExp = /\/accounts\/login\/2fa\/$/): Promise<void> {
  await page.click('button:text("Log out")');
  await page.waitForURL(/\/accounts\/login\/$/);
  await page.fill('#id_username', username);
  await page.fill('#id_password', STRONG_PASSWORD);
  await page.click('button[type=submit]:text("Log in")');
  await page.waitForURL(landing);
}

/** For a browser suite: an app listening on a port (SQLite) and Chromium, started before and closed after. */
export function useAppInChromium(env: Record<string, string> = {}): { readonly server: ListeningApp; readonly browser: Browser } {
  const handles = {} as { server: ListeningApp; browser: Browser };
  beforeAll(async () => {
    handles.server = await startListeningApp('sqlite', env);
    handles.browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await handles.browser?.close();
    await handles.server?.close();
  });
  return handles;
}

/** The Content-Security-Policy violations the page reports on its console, collected from now on. */
export function cspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

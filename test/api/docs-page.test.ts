import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestClient } from '../support/client.js';
import { startListeningApp, type ListeningApp } from '../support/server.js';
import { API_TEST_ENV } from './api-client.js';
import { CHROMIUM_MISSING, launchChromium } from '../support/chromium.js';
import { describeWith } from '../support/requirements.js';


/** Collects CSP violations (console and the securitypolicyviolation event), console errors and page errors. */
async function watchProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.exposeFunction('reportCspViolation', (text: string) => problems.push(`violation: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { reportCspViolation(text: string): void }).reportCspViolation(`${event.effectiveDirective} ${event.blockedURI}`);
    });
  });
  return problems;
}

// Debian's Chromium, driven by playwright-core, as in test/e2e/browser.test.ts.
describeWith(CHROMIUM_MISSING, 'the API docs page in Chromium', () => {
  let server: ListeningApp;
  let browser: Browser;

  beforeAll(async () => {
    server = await startListeningApp('sqlite', API_TEST_ENV);
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('renders every operation without a CSP violation or console error', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = await watchProblems(page);
    await page.goto(`${server.origin}/api/docs`);
    await page.waitForSelector('#operations-account-getCurrentUser');
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    expect(paths.map((p) => p.replace(/\u200b/g, ''))).toEqual(expect.arrayContaining(['/api/v1/me', '/api/v1/csrf-token', '/api/v1/tokens', '/api/v1/tokens/{id}']));
    expect(await page.locator('.info .title').textContent()).toContain('photovault');
    // Its stylesheet applied under the CSP.
    expect(await page.locator('.swagger-ui .opblock-summary-method').first().evaluate((el) => getComputedStyle(el).fontWeight)).toBe('700');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('runs "Try it out" against the API with the session cookie, still without violations', async () => {
    const client = new TestClient(server.app);
    await client.signupAndLogin('docs_reader');
    const context = await browser.newContext();
    await context.addCookies([...client.cookies].map(([name, value]) => ({ name, value, url: server.origin })));
    const page = await context.newPage();
    const problems = await watchProblems(page);
    await page.goto(`${server.origin}/api/docs#/account/getCurrentUser`);
    const operation = page.locator('#operations-account-getCurrentUser');
    await operation.locator('.try-out__btn').click();
    await operation.locator('button.execute').click();
    await expect.poll(() => operation.locator('.live-responses-table tbody .response-col_status').first().textContent()).toContain('200');
    expect(await operation.locator('.live-responses-table tbody .response-col_description').first().textContent()).toContain('docs_reader');
    expect(problems).toEqual([]);
    await context.close();
  });
});

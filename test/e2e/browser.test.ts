import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { STRONG_PASSWORD } from '../support/client.js';
import { smallJpeg } from '../support/photos.js';
import { startListeningApp, type ListeningApp } from '../support/server.js';
import { CHROMIUM_MISSING, launchChromium } from '../support/chromium.js';
import { describeWith } from '../support/requirements.js';


// Debian's Chromium, driven by playwright-core; .ci/run installs it. Browsers are never downloaded.
describeWith(CHROMIUM_MISSING, 'in a real browser (Chromium)', () => {
  let server: ListeningApp;
  let browser: Browser;

  beforeAll(async () => {
    server = await startListeningApp('sqlite');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs up and logs in with the forms, without any CSP violation', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });

    await page.goto(`${server.origin}/photos/`);
    expect(new URL(page.url()).pathname).toBe('/accounts/login/');

    await page.goto(`${server.origin}/accounts/signup/`);
    await page.fill('#id_username', 'browser_user');
    await page.fill('#id_email', 'browser@example.com');
    await page.fill('#id_password1', 'short');
    await page.fill('#id_password2', 'short');
    await page.click('button[type=submit]:text("Sign up")');
    await expect.poll(() => page.textContent('#password1-errors')).toContain('at least 12 characters');
    expect(await page.inputValue('#id_username')).toBe('browser_user');

    await page.fill('#id_password1', STRONG_PASSWORD);
    await page.fill('#id_password2', STRONG_PASSWORD);
    await page.click('button[type=submit]:text("Sign up")');
    await page.waitForURL(/\/accounts\/login\//);

    await page.fill('#id_username', 'browser_user');
    await page.fill('#id_password', STRONG_PASSWORD);
    await page.click('button[type=submit]:text("Log in")');
    await page.waitForURL(/\/photos\/$/);
    expect(await page.textContent('h1')).toBe('Your photos');

    const styled = await page.evaluate(() => getComputedStyle(document.body).display);
    expect(styled).toBe('flex'); // the stylesheet loaded under the CSP

    await page.click('button:text("Log out")');
    await page.waitForURL(/\/accounts\/login\/$/);
    expect(violations).toEqual([]);
    await context.close();
  });

  for (const javaScriptEnabled of [true, false]) {
    it(`uploads a photo and follows it to ready (${javaScriptEnabled ? 'with' : 'without'} JavaScript)`, async () => {
      const context = await browser.newContext({ javaScriptEnabled });
      const page = await context.newPage();
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
      });
      const username = `uploader_${javaScriptEnabled ? 'js' : 'nojs'}`;
      await page.goto(`${server.origin}/accounts/signup/`);
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

      await page.goto(`${server.origin}/photos/upload/`);
      await page.setInputFiles('#id_image', { name: 'beach.jpg', mimeType: 'image/jpeg', buffer: await smallJpeg(900, 600, '#4a90c0') });
      await page.fill('#id_title', 'Beach');
      await page.click('button[type=submit]:text("Upload")');
      await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
      // Without JavaScript the page refreshes itself every 2 s until processing ends.
      await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');
      const loaded = await page.waitForFunction(() => {
        const img = document.querySelector('figure.photo img') as HTMLImageElement | null;
        return img !== null && img.complete && img.naturalWidth > 0;
      });
      expect(await loaded.jsonValue()).toBe(true);
      expect(violations).toEqual([]);
      await context.close();
    }, 60_000);
  }

  it('cannot be framed (clickjacking)', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.origin}/accounts/login/`);
    await page.setContent(`<iframe id="f" src="${server.origin}/accounts/login/"></iframe>`);
    await page.waitForTimeout(500);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const framedText = frame ? await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
    expect(framedText).not.toContain('Log in');
    await page.close();
  });
});

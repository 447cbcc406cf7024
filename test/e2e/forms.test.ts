import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD } from '../support/client.js';
import { smallJpeg } from '../support/photos.js';
import { startListeningApp, type ListeningApp } from '../support/server.js';
import { chromiumUnavailable, launchChromium } from '../support/chromium.js';

const SHARE_PASSWORD = 'tidepool-heron';

describe.skipIf(chromiumUnavailable)('every form, filled in and submitted in Chromium', () => {
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

  async function signUpAndLogIn(page: Page, username: string) {
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
  }

  async function uploadReadyPhoto(page: Page, title: string) {
    await page.goto(`${server.origin}/photos/upload/`);
    await page.setInputFiles('#id_image', { name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: await smallJpeg(320, 240, '#2a7f62') });
    await page.fill('#id_title', title);
    await page.click('button[type=submit]:text("Upload")');
    await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
    await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');
    await page.reload(); // the share form appears once the photo is ready
  }

  it('share password: the right password opens the shared photo', async () => {
    const owner = await browser.newContext();
    const page = await owner.newPage();
    await signUpAndLogIn(page, 'share_owner');
    await uploadReadyPhoto(page, 'Harbour at dusk');
    await page.fill('#share-links #id_share_password', SHARE_PASSWORD);
    await page.click('button[type=submit]:text("Create share link")');
    const link = await page.inputValue('#id_new_share_link');
    await owner.close();

    const visitor = await browser.newContext();
    const view = await visitor.newPage();
    await view.goto(link);
    expect(await view.textContent('h1')).toBe('This shared photo is protected');
    await view.fill('#id_share_password', SHARE_PASSWORD);
    await view.click('button[type=submit]:text("View the photo")');
    await view.waitForLoadState();
    expect(await view.textContent('h1')).toBe('Harbour at dusk');
    expect(new URL(view.url()).pathname).toBe(new URL(link).pathname);
    await visitor.close();
  }, 60_000);
});

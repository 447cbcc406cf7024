import type { BrowserContext, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { smallJpeg } from '../support/photos.js';
import { CHROMIUM_MISSING, logOutAndIn, signUpAndLogIn, useAppInChromium } from '../support/chromium.js';
import { describeWith } from '../support/requirements.js';
import { totpCode } from '../support/two-factor.js';

const PHONE = { width: 390, height: 844 };

// The small things a first tour trips over: messages after actions, a share link that survives a
// refresh without making another, confirmation before deleting, a favicon, and no sideways scroll
// on a 390-px phone.
describeWith(CHROMIUM_MISSING, 'everyday pages in a real browser (Chromium)', () => {
  const t = useAppInChromium();

  async function uploadReadyPhoto(page: Page, title: string): Promise<string> {
    await page.goto(`${t.server.origin}/photos/upload/`);
    await page.setInputFiles('#id_image', { name: 'a-photo-with-a-rather-long-file-name-from-a-camera-IMG_20190714_183512.jpg', mimeType: 'image/jpeg', buffer: await smallJpeg(1200, 800, '#3a7bd5') });
    await page.fill('#id_title', title);
    await page.click('button[type=submit]:text("Upload")');
    await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
    await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');
    return new URL(page.url()).pathname;
  }

  it('shows a new share link once after a redirect, copies it, and a refresh makes no second link', async () => {
    const context = await t.browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.server.origin });
    const page = await context.newPage();
    await signUpAndLogIn(page, t.server.origin, 'sharer');
    const photoPath = await uploadReadyPhoto(page, 'Harbour');

    await page.click('button[type=submit]:text("Create share link")');
    await page.waitForURL((url) => url.pathname === photoPath);
    const link = await page.inputValue('#id_new_share_link');
    expect(link).toMatch(new RegExp(`^${t.server.origin}/s/[A-Za-z0-9_-]{43}/$`));
    await page.click('button[data-copy="id_new_share_link"]');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(link);

    await page.reload();
    expect(await page.locator('#id_new_share_link').count()).toBe(0);
    expect(await page.locator('tr[data-share-id]').count()).toBe(1);

    // The link works for someone who is not signed in.
    const stranger = await t.browser.newContext();
    const visitor = await stranger.newPage();
    const response = await visitor.goto(link);
    expect(response?.status()).toBe(200);
    expect(await visitor.textContent('h1')).toContain('Harbour');
    await stranger.close();
    await context.close();
  }, 90_000);

  it('says what happened after saving, asks before deleting, and shows each message once', async () => {
    const context = await t.browser.newContext();
    const page = await context.newPage();
    await signUpAndLogIn(page, t.server.origin, 'tidy');
    const photoPath = await uploadReadyPhoto(page, 'Before');

    await page.fill('#id_title', 'After');
    await page.click('button[type=submit]:text("Save")');
    await page.waitForURL((url) => url.pathname === photoPath);
    expect(await page.textContent('main [role=status]')).toBe('Details saved.');
    expect(await page.textContent('h1')).toBe('After');
    await page.reload();
    expect(await page.locator('main [role=status]').count()).toBe(0);

    await page.click('a:text("Delete this photo…")');
    expect(await page.textContent('h1')).toBe('Delete “After”?');
    await page.click('a:text("Cancel")');
    await page.waitForURL((url) => url.pathname === photoPath);

    await page.click('a:text("Delete this photo…")');
    await page.click('button:text("Delete for good")');
    await page.waitForURL(/\/photos\/$/);
    expect(await page.textContent('main [role=status]')).toBe('Photo deleted for good.');
    expect((await page.goto(`${t.server.origin}${photoPath}`))?.status()).toBe(404);

    await page.goto(`${t.server.origin}/photos/`);
    expect(await page.locator('main [role=status]').count()).toBe(0);
    await page.click('button:text("Log out")');
    await page.waitForURL(/\/accounts\/login\/$/);
    expect(await page.textContent('main [role=status]')).toBe('You have been logged out.');
    await context.close();
  }, 90_000);

  it('has a favicon that the browser finds on its own', async () => {
    const page = await t.browser.newPage();
    const icon = await page.goto(`${t.server.origin}/favicon.ico`);
    expect(icon?.status()).toBe(200);
    expect(icon?.headers()['content-type']).toMatch(/^image\/(x-icon|vnd\.microsoft\.icon)/);
    const svg = await page.goto(`${t.server.origin}/static/favicon.svg`);
    expect(svg?.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    await page.close();
  });

  it('never scrolls sideways on a 390-px phone, and the gallery has 3 columns there', async () => {
    const context: BrowserContext = await t.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const widths: Record<string, number> = {};
    const measure = async (path: string) => {
      const response = await page.goto(`${t.server.origin}${path}`);
      expect(response?.status(), path).toBeLessThan(400);
      widths[path] = await page.evaluate(() => document.documentElement.scrollWidth);
    };
    for (const path of ['/', '/accounts/login/', '/accounts/signup/']) await measure(path);

    await signUpAndLogIn(page, t.server.origin, 'a_user_with_a_rather_long_username_on_a_phone');
    const photoPath = await uploadReadyPhoto(page, 'A title long enough to wrap on a narrow phone screen without any trouble at all');
    await page.click('button[type=submit]:text("Create share link")');
    await page.waitForURL((url) => url.pathname === photoPath);
    widths[`${photoPath} (with a new link)`] = await page.evaluate(() => document.documentElement.scrollWidth);
    const link = await page.inputValue('#id_new_share_link');
    for (const path of ['/photos/', '/photos/upload/', photoPath, `${photoPath}edit/`, `${photoPath}delete/`, '/accounts/']) await measure(path);
    await measure(new URL(link).pathname);
    // Search (results and none), the account's own pages.
    for (const path of ['/photos/?q=narrow', '/photos/?q=x', '/accounts/passkeys/', '/accounts/export/', '/accounts/delete/', '/accounts/password/change/']) await measure(path);

    // An album holding the photo, its page, its share link and its delete confirmation.
    await page.goto(`${t.server.origin}/albums/`);
    await page.fill('#id_album_name', 'An album name long enough to wrap on a narrow phone screen');
    await page.click('button[type=submit]:text("Create album")');
    await page.waitForURL(/\/albums\/[^/]+\/$/);
    const albumPath = new URL(page.url()).pathname;
    await page.goto(`${t.server.origin}${photoPath}`);
    await page.selectOption('#id_add_to_album', { label: 'An album name long enough to wrap on a narrow phone screen' });
    await page.click('button[type=submit]:text("Add to album")');
    await page.goto(`${t.server.origin}${albumPath}`);
    await page.click('button[type=submit]:text("Create share link")');
    await page.waitForURL((url) => url.pathname === albumPath);
    widths[`${albumPath} (with a new link)`] = await page.evaluate(() => document.documentElement.scrollWidth);
    const albumLink = new URL(await page.inputValue('#id_new_share_link')).pathname;
    for (const path of ['/albums/', albumPath, `${albumPath}delete/`, albumLink, `${albumLink}photos/${photoPath.split('/')[2]!}/`]) await measure(path);

    // Administration: an admin sets up two-factor login (the setup page and the recovery codes count
    // too), then every admin page, the users table with a long name and address among them.
    await t.server.db.updateTable('users').set({ role: 'admin' }).where('username_key', '=', 'a_user_with_a_rather_long_username_on_a_phone').execute();
    await page.goto(`${t.server.origin}/admin/users/`);
    await page.waitForURL(/\/accounts\/2fa\/\?next=/);
    widths['/accounts/2fa/ (setup)'] = await page.evaluate(() => document.documentElement.scrollWidth);
    const secret = await page.inputValue('#id_totp_secret');
    await page.fill('#id_code', totpCode(secret));
    await page.click('button[type=submit]:text("Turn on two-factor login")');
    await expect.poll(() => page.locator('#recovery-codes li').count()).toBe(10);
    widths['/accounts/2fa/ (recovery codes)'] = await page.evaluate(() => document.documentElement.scrollWidth);
    for (const path of ['/accounts/2fa/', '/admin/', '/admin/moderation/', '/admin/users/', '/admin/audit/']) await measure(path);

    // The login's second step and the password reset pages, signed out.
    await logOutAndIn(page, 'a_user_with_a_rather_long_username_on_a_phone');
    widths['/accounts/login/2fa/'] = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.fill('#id_code', totpCode(secret, Date.now() + 30_000));
    await page.click('button[type=submit]:text("Verify")');
    await page.waitForURL(/\/photos\/$/);
    const anonymous = await context.browser()!.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const stranger = await anonymous.newPage();
    for (const path of ['/accounts/password/reset/']) {
      await stranger.goto(`${t.server.origin}${path}`);
      widths[`${path} (signed out)`] = await stranger.evaluate(() => document.documentElement.scrollWidth);
    }
    await anonymous.close();

    // Several files without JavaScript: the upload summary page (one accepted, one already there).
    const noScript = await context.browser()!.newContext({ viewport: PHONE, isMobile: true, hasTouch: true, javaScriptEnabled: false });
    const plain = await noScript.newPage();
    await signUpAndLogIn(plain, t.server.origin, 'another_user_with_a_long_username_without_scripts');
    await plain.goto(`${t.server.origin}/photos/upload/`);
    const bytes = await smallJpeg(600, 400, '#8a5a44');
    const longName = 'a-photo-with-a-rather-long-file-name-from-a-camera-IMG_20190714_183512';
    await plain.setInputFiles('#id_image', [
      { name: `${longName}.jpg`, mimeType: 'image/jpeg', buffer: bytes },
      { name: `${longName}-copy.jpg`, mimeType: 'image/jpeg', buffer: bytes },
    ]);
    await plain.click('button[type=submit]:text("Upload")');
    await plain.waitForLoadState();
    expect(await plain.textContent('main')).toContain('-copy.jpg');
    widths['/photos/upload/ (summary of several, without JavaScript)'] = await plain.evaluate(() => document.documentElement.scrollWidth);
    await noScript.close();

    for (const [path, width] of Object.entries(widths)) expect(width, path).toBeLessThanOrEqual(PHONE.width);

    await page.goto(`${t.server.origin}/photos/`);
    const columns = await page.evaluate(() => getComputedStyle(document.querySelector('.gallery')!).gridTemplateColumns.split(' ').length);
    expect(columns).toBe(3);

    // The Trash, with the photo in it, and its confirmation page.
    await page.goto(`${t.server.origin}${photoPath}`);
    await page.click('button:text("Move to Trash")');
    await page.waitForURL(`${t.server.origin}/photos/`);
    for (const path of ['/photos/trash/', '/photos/trash/empty/']) {
      await measure(path);
      expect(widths[path], path).toBeLessThanOrEqual(PHONE.width);
    }
    await context.close();
  }, 120_000);

  it('uploads several files at once with a bar each, retries the one that failed, and takes files dropped on the gallery', async () => {
    const context = await t.browser.newContext();
    const page = await context.newPage();
    await signUpAndLogIn(page, t.server.origin, 'many_files');
    const files = await Promise.all(['#d33', '#3d3', '#33d', '#dd3'].map(async (colour, i) => ({ name: `photo-${i}.jpg`, mimeType: 'image/jpeg', buffer: await smallJpeg(600, 400, colour) })));

    // The network drops the first attempt of photo-2.jpg.
    let dropped = false;
    await page.route('**/photos/upload/', async (route) => {
      if (!dropped && route.request().method() === 'POST' && (route.request().postDataBuffer()?.includes('filename="photo-2.jpg"') ?? false)) {
        dropped = true;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.goto(`${t.server.origin}/photos/upload/`);
    await page.setInputFiles('#id_image', files);
    await page.click('button[type=submit]:text("Upload")');
    await expect.poll(() => page.locator('#upload-list .upload-item').count()).toBe(4);
    expect(await page.locator('#upload-list progress').count()).toBe(4);
    await expect.poll(() => page.textContent('#upload-list-summary'), { timeout: 60_000 }).toMatch(/^4 of 4 done, 1 failed\./);
    await page.click('button[aria-label="Retry photo-2.jpg"]');
    await expect.poll(() => page.textContent('#upload-list-summary'), { timeout: 60_000 }).toMatch(/^4 of 4 done\./);
    await page.unroute('**/photos/upload/');

    // Dropping on the gallery: one new photo, and one it already has (reported, not stored twice).
    await page.goto(`${t.server.origin}/photos/`);
    expect(await page.locator('.gallery li').count()).toBe(4);
    const fresh = (await smallJpeg(500, 300, '#a5a')).toString('base64');
    const again = files[0]!.buffer.toString('base64');
    const dataTransfer = await page.evaluateHandle(
      ([a, b]) => {
        const transfer = new DataTransfer();
        for (const [name, data] of [['dropped.jpg', a], ['photo-0.jpg', b]] as const) {
          transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type: 'image/jpeg' }));
        }
        return transfer;
      },
      [fresh, again] as const,
    );
    // Both go up with a row each; when all are done the gallery reloads with the one new photo.
    const reloaded = page.waitForEvent('load', { timeout: 60_000 });
    await page.dispatchEvent('body', 'drop', { dataTransfer });
    await expect.poll(() => page.locator('#upload-list .upload-item').count()).toBe(2);
    await reloaded;
    expect(await page.locator('.gallery li').count()).toBe(5);
    await context.close();
  }, 150_000);
});

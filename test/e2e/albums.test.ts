import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { smallJpeg } from '../support/photos.js';
import { CHROMIUM_MISSING, cspViolations, signUpAndLogIn, useAppInChromium } from '../support/chromium.js';
import { describeWith } from '../support/requirements.js';

const ALBUM_PAGE = /\/albums\/[0-9a-f]{32}\/$/;

// The album flow as a user meets it, in Debian's Chromium (.ci/run installs it): upload, select in
// the gallery, create the album from the selection, view it, share it, open the link logged out.
describeWith(CHROMIUM_MISSING, 'albums in a real browser (Chromium)', () => {
  const t = useAppInChromium({ MODERATION_ENABLED: 'false' });

  /** Whether every image matching `selector` has loaded real pixels. */
  const imagesLoaded = (page: Page, selector: string) =>
    page.evaluate((s) => {
      const images = Array.from(document.querySelectorAll(s)) as HTMLImageElement[];
      return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
    }, selector);

  for (const javaScriptEnabled of [true, false]) {
    it(`creates an album from the gallery selection, views it, and shares it with a logged-out visitor (${javaScriptEnabled ? 'with' : 'without'} JavaScript)`, async () => {
      const context = await t.browser.newContext({ javaScriptEnabled });
      const page = await context.newPage();
      const violations = cspViolations(page);
      await signUpAndLogIn(page, t.server.origin, `albums_${javaScriptEnabled ? 'js' : 'nojs'}`);

      for (const [title, colour] of [['Dawn', '#e8a33d'], ['Noon', '#3d8ee8'], ['Dusk', '#5a3de8']] as const) {
        await page.goto(`${t.server.origin}/photos/upload/`);
        await page.setInputFiles('#id_image', { name: `${title}.jpg`, mimeType: 'image/jpeg', buffer: await smallJpeg(400, 300, colour) });
        await page.fill('#id_title', title);
        await page.click('button[type=submit]:text("Upload")');
        await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
        await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');
      }

      // The nav leads to the albums page; the gallery's checkboxes and button select photos.
      await page.goto(`${t.server.origin}/photos/`);
      await page.click('nav a:text("Albums")');
      await page.waitForURL(`${t.server.origin}/albums/`);
      expect(await page.textContent('p.empty')).toBe('You have no albums yet.');
      await page.goto(`${t.server.origin}/photos/`);
      await page.check('input[aria-label="Select Dawn"]');
      await page.check('input[aria-label="Select Dusk"]');
      await page.click('button:text("Add selected to album…")');
      expect(await page.textContent('h1')).toBe('Add 2 photos to an album');
      await page.fill('#id_album_name', 'Golden hours');
      await page.click('button:text("Create album with these photos")');
      await page.waitForURL(ALBUM_PAGE);
      const albumUrl = page.url();
      expect(await page.textContent('h1')).toBe('Golden hours');
      expect(await page.locator('.album-grid .tile-title').allTextContents()).toEqual(['Dusk', 'Dawn']);
      await expect.poll(() => imagesLoaded(page, '.album-grid img')).toBe(true);

      // The albums list shows it with its cover.
      await page.goto(`${t.server.origin}/albums/`);
      expect(await page.textContent('.album-tile .tile-title')).toBe('Golden hours');
      expect(await page.textContent('.album-tile .status')).toBe('2 photos');
      await expect.poll(() => imagesLoaded(page, '.album-tile img')).toBe(true);

      // Share it; a logged-out visitor opens the link and sees the photos through it.
      await page.goto(albumUrl);
      await page.click('button[type=submit]:text("Create share link")');
      const link = await page.inputValue('#id_new_share_link');
      expect(link).toMatch(new RegExp(`^${t.server.origin}/s/[A-Za-z0-9_-]{43}/$`));
      const visitorContext = await t.browser.newContext({ javaScriptEnabled });
      const visitor = await visitorContext.newPage();
      await visitor.goto(link);
      expect(await visitor.textContent('h1')).toBe('Golden hours');
      expect(await visitor.locator('nav a:text("Albums")').count()).toBe(0);
      expect(await visitor.locator('.album-grid .tile-title').allTextContents()).toEqual(['Dusk', 'Dawn']);
      await expect.poll(() => imagesLoaded(visitor, '.album-grid img')).toBe(true);
      const sources = await visitor.locator('.album-grid img').evaluateAll((images) => images.map((img) => (img as HTMLImageElement).src));
      for (const src of sources) expect(src.startsWith(`${link}photos/`)).toBe(true);
      await visitor.click('.album-grid a:has-text("Dawn")');
      await visitor.waitForURL(/\/s\/[A-Za-z0-9_-]{43}\/photos\/[0-9a-f]{32}\/$/);
      expect(await visitor.textContent('h1')).toBe('Dawn');
      await expect.poll(() => imagesLoaded(visitor, 'figure.photo img')).toBe(true);
      expect(await visitor.locator('a:text("Download")').count()).toBe(0);
      await visitorContext.close();

      expect(violations).toEqual([]);
      await context.close();
    }, 120_000);
  }
});

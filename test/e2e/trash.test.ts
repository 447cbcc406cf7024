import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { smallJpeg } from '../support/photos.js';
import { CHROMIUM_MISSING, cspViolations, signUpAndLogIn, useAppInChromium } from '../support/chromium.js';
import { describeWith } from '../support/requirements.js';

// The Trash as a user meets it, in Debian's Chromium: trash from the photo page, find it in the
// Trash, restore it, trash a gallery selection at once, empty the Trash after its confirmation.
describeWith(CHROMIUM_MISSING, 'the Trash in a real browser (Chromium)', () => {
  const t = useAppInChromium({ MODERATION_ENABLED: 'false' });

  const galleryTitles = (page: Page) => page.locator('.gallery .tile-title').allTextContents();
  const trashTitles = (page: Page) => page.locator('.gallery.trash .tile-title').allTextContents();

  for (const javaScriptEnabled of [true, false]) {
    it(`trashes, restores, bulk-trashes and empties (${javaScriptEnabled ? 'with' : 'without'} JavaScript)`, async () => {
      const context = await t.browser.newContext({ javaScriptEnabled });
      const page = await context.newPage();
      const violations = cspViolations(page);
      await signUpAndLogIn(page, t.server.origin, `trash_${javaScriptEnabled ? 'js' : 'nojs'}`);

      const pages: Record<string, string> = {};
      for (const [title, colour] of [['Pier', '#e8a33d'], ['Gull', '#3d8ee8'], ['Buoy', '#5a3de8']] as const) {
        await page.goto(`${t.server.origin}/photos/upload/`);
        await page.setInputFiles('#id_image', { name: `${title}.jpg`, mimeType: 'image/jpeg', buffer: await smallJpeg(400, 300, colour) });
        await page.fill('#id_title', title);
        await page.click('button[type=submit]:text("Upload")');
        await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
        await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');
        pages[title] = page.url();
      }

      // From the photo page: no confirmation, a notice with the way back.
      await page.goto(pages['Gull']!);
      await page.click('button:text("Move to Trash")');
      await page.waitForURL(`${t.server.origin}/photos/`);
      expect(await page.textContent('p.notice')).toContain('Moved to the Trash.');
      expect((await galleryTitles(page)).sort()).toEqual(['Buoy', 'Pier']);
      await page.click('p.notice a:text("Restore it from the Trash")');
      await page.waitForURL(`${t.server.origin}/photos/trash/`);
      expect(await trashTitles(page)).toEqual(['Gull']);
      expect(await page.textContent('.gallery.trash small')).toMatch(/deleted for good after \d{4}-\d{2}-\d{2}/);
      await expect
        .poll(() => page.evaluate(() => Array.from(document.querySelectorAll('.gallery.trash img')).every((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0)))
        .toBe(true);

      // Restore it: back in the gallery.
      await page.click('button:text("Restore")');
      await page.waitForURL(`${t.server.origin}/photos/trash/`);
      expect(await page.textContent('p.notice')).toContain('Restored');
      expect(await page.textContent('p.empty')).toBe('The Trash is empty.');
      await page.click('nav a:text("Gallery")');
      expect((await galleryTitles(page)).sort()).toEqual(['Buoy', 'Gull', 'Pier']);

      // The gallery selection goes to the Trash together.
      await page.check('input[aria-label="Select Pier"]');
      await page.check('input[aria-label="Select Buoy"]');
      await page.click('button:text("Move to Trash")');
      await page.waitForURL(`${t.server.origin}/photos/`);
      expect(await page.textContent('p.notice')).toContain('The selected photos were moved to the Trash.');
      expect(await galleryTitles(page)).toEqual(['Gull']);
      await page.click('nav a:text("Trash")');
      expect((await trashTitles(page)).sort()).toEqual(['Buoy', 'Pier']);

      // Empty it, after the confirmation page (Cancel first changes nothing).
      await page.click('a:text("Empty trash…")');
      expect(await page.textContent('h1')).toBe('Empty the Trash?');
      await page.click('a:text("Cancel")');
      expect((await trashTitles(page)).sort()).toEqual(['Buoy', 'Pier']);
      await page.click('a:text("Empty trash…")');
      await page.click('button:text("Delete them for good")');
      await page.waitForURL(`${t.server.origin}/photos/trash/`);
      expect(await page.textContent('p.notice')).toContain('The Trash was emptied');
      expect(await page.textContent('p.empty')).toBe('The Trash is empty.');
      const gone = await page.goto(pages['Pier']!);
      expect(gone?.status()).toBe(404);
      await page.goto(`${t.server.origin}/photos/`);
      expect(await galleryTitles(page)).toEqual(['Gull']);
      expect(violations).toEqual([]);
      await context.close();
    }, 120_000);
  }
});

import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { smallJpeg } from '../support/photos.js';
import { CHROMIUM_MISSING, cspViolations, signUpAndLogIn, useAppInChromium } from '../support/chromium.js';
import { describeWith } from '../support/requirements.js';

const PHOTO_PAGE = /\/photos\/([0-9a-f]{32})\/(\?.*)?$/;

// Search and the viewer as a user meets them, in Debian's Chromium: the gallery's search form, the
// photo page's previous/next by keys (and by links without JavaScript), full screen and zoom.
describeWith(CHROMIUM_MISSING, 'search and the viewer in a real browser (Chromium)', () => {
  const t = useAppInChromium({ MODERATION_ENABLED: 'false' });

  /** Uploads three photos (Dawn, Noon, Dusk, in that order: the gallery shows Dusk first); their page URLs by title. */
  async function uploadThree(page: Page): Promise<Record<string, string>> {
    const urls: Record<string, string> = {};
    for (const [title, colour] of [['Dawn', '#e8a33d'], ['Noon', '#3d8ee8'], ['Dusk', '#5a3de8']] as const) {
      await page.goto(`${t.server.origin}/photos/upload/`);
      await page.setInputFiles('#id_image', { name: `${title.toLowerCase()}-IMG_0001.jpg`, mimeType: 'image/jpeg', buffer: await smallJpeg(400, 300, colour) });
      await page.fill('#id_title', title);
      await page.click('button[type=submit]:text("Upload")');
      await page.waitForURL(PHOTO_PAGE, { timeout: 30_000 });
      await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');
      urls[title] = page.url();
    }
    return urls;
  }

  function watchCsp(page: Page): string[] {
    const violations = cspViolations(page);
    return violations;
  }

  it('finds a photo by title with the search form, and walks the list with the arrow keys (with JavaScript)', async () => {
    const context = await t.browser.newContext();
    const page = await context.newPage();
    const violations = watchCsp(page);
    await signUpAndLogIn(page, t.server.origin, 'viewer_js');
    const urls = await uploadThree(page);

    // The search form finds Noon by a word of its title, then opens it within the search.
    await page.goto(`${t.server.origin}/photos/`);
    await page.fill('#id_q', 'noo');
    await page.click('form.search-form button[type=submit]');
    await page.waitForURL(/\/photos\/\?q=noo&from=&to=$/);
    expect(await page.textContent('#search-count')).toBe('1 photo found');
    expect(await page.locator('.gallery .tile-title').allTextContents()).toEqual(['Noon']);
    expect(await page.inputValue('#id_q')).toBe('noo');
    await page.click('.gallery a.tile');
    await page.waitForURL(`${urls['Noon']}?q=noo`);
    expect(await page.textContent('#viewer-back')).toBe('← Search results');
    expect(await page.locator('#viewer-prev, #viewer-next').count()).toBe(0);
    // By the file name too; and a search that finds nothing says so.
    await page.goto(`${t.server.origin}/photos/?q=${encodeURIComponent('dusk-IMG_0001.jpg')}`);
    expect(await page.locator('.gallery .tile-title').allTextContents()).toEqual(['Dusk']);
    await page.goto(`${t.server.origin}/photos/?q=volcano`);
    expect(await page.textContent('p.empty')).toContain('No photos match your search.');

    // The gallery's order is Dusk, Noon, Dawn: ArrowRight goes to the next (older), ArrowLeft back.
    await page.goto(urls['Noon']!);
    await page.keyboard.press('ArrowRight');
    await page.waitForURL(urls['Dawn']!);
    expect(await page.textContent('h1')).toBe('Dawn');
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(urls['Noon']!);
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(urls['Dusk']!);
    // Keys typed into a field stay in the field.
    await page.focus('#id_title');
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(300);
    expect(page.url()).toBe(urls['Dusk']);

    // Full screen with zoom: real buttons, reachable and pressed from the keyboard.
    const zoomOf = () => page.getAttribute('#viewer-stage', 'data-zoom');
    const isFull = () => page.evaluate(() => document.fullscreenElement?.id === 'viewer' || document.getElementById('viewer')?.classList.contains('viewer-full') === true);
    expect(await page.isVisible('#viewer-controls')).toBe(true);
    // Tab reaches every control, in order, each with a visible focus outline.
    await page.goto(urls['Dusk']!);
    const reached: string[] = [];
    for (let i = 0; i < 30 && !reached.includes('viewer-zoom-reset'); i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const element = document.activeElement;
        return element ? { id: element.id, outline: getComputedStyle(element).outlineStyle } : null;
      });
      if (focused?.id.startsWith('viewer-')) {
        reached.push(focused.id);
        expect(focused.outline, focused.id).not.toBe('none');
      }
    }
    expect(reached).toEqual(['viewer-back', 'viewer-next', 'viewer-fullscreen', 'viewer-zoom-out', 'viewer-zoom-in', 'viewer-zoom-reset']);
    await page.focus('#viewer-fullscreen');
    await page.keyboard.press('Enter');
    await expect.poll(isFull).toBe(true);
    // Headless Chromium grants the Fullscreen API itself (not the fallback).
    expect(await page.evaluate(() => document.fullscreenElement?.id)).toBe('viewer');
    await expect.poll(() => page.getAttribute('#viewer-fullscreen', 'aria-pressed')).toBe('true');
    await page.focus('#viewer-zoom-in');
    await page.keyboard.press('Enter');
    await expect.poll(zoomOf).toBe('1.25');
    expect(await page.evaluate(() => document.querySelector('#viewer-stage img')?.getAttribute('style') ?? '')).toContain('scale(1.25)');
    await page.keyboard.press('+');
    await expect.poll(zoomOf).toBe('1.563');
    expect(await page.textContent('#viewer-zoom-level')).toBe('156%');
    await page.click('#viewer-zoom-out');
    await expect.poll(zoomOf).toBe('1.25');
    await page.hover('#viewer-stage');
    await page.mouse.wheel(0, -100);
    await expect.poll(zoomOf).toBe('1.563');
    await page.keyboard.press('0');
    await expect.poll(zoomOf).toBe('1');
    // Escape closes full screen (the browser's own for the Fullscreen API, viewer.js for the fallback).
    await page.keyboard.press('Escape');
    await expect.poll(isFull).toBe(false);
    await expect.poll(() => page.getAttribute('#viewer-fullscreen', 'aria-pressed')).toBe('false');

    // A swipe to the left on a touch screen opens the next photo (Dusk → Noon).
    const cdp = await context.newCDPSession(page);
    const box = (await page.locator('#viewer-stage').boundingBox())!;
    const y = box.y + box.height / 2;
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', x: number) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    await touch('touchStart', box.x + box.width - 10);
    for (let step = 1; step <= 5; step++) await touch('touchMove', box.x + box.width - 10 - step * 40);
    await touch('touchEnd', 0);
    await page.waitForURL(urls['Noon']!);

    // On a 390-px phone neither the search form nor the viewer widens the page.
    await page.setViewportSize({ width: 390, height: 800 });
    for (const url of [`${t.server.origin}/photos/?q=noon&from=2000-01-01&to=2099-12-31`, urls['Noon']!]) {
      await page.goto(url);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), url).toBeLessThanOrEqual(390);
    }

    expect(violations).toEqual([]);
    await context.close();
  }, 120_000);

  it('searches and goes from photo to photo by links without JavaScript, the viewer controls hidden', async () => {
    const context = await t.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    const violations = watchCsp(page);
    await signUpAndLogIn(page, t.server.origin, 'viewer_nojs');
    const urls = await uploadThree(page);

    await page.goto(`${t.server.origin}/photos/`);
    await page.fill('#id_q', 'dawn');
    await page.click('form.search-form button[type=submit]');
    await page.waitForURL(/\/photos\/\?q=dawn/);
    expect(await page.locator('.gallery .tile-title').allTextContents()).toEqual(['Dawn']);
    await page.fill('#id_from', '2000-01-02');
    await page.fill('#id_to', '2000-01-01');
    await page.click('form.search-form button[type=submit]');
    expect(await page.textContent('#search-errors')).toContain('“From” must not be later than “To”.');

    await page.goto(urls['Dusk']!);
    expect(await page.isVisible('#viewer-controls')).toBe(false);
    await page.click('#viewer-next');
    await page.waitForURL(urls['Noon']!);
    await page.click('#viewer-next');
    await page.waitForURL(urls['Dawn']!);
    await page.click('#viewer-prev');
    await page.waitForURL(urls['Noon']!);
    await page.click('#viewer-back');
    await page.waitForURL(`${t.server.origin}/photos/`);

    expect(violations).toEqual([]);
    await context.close();
  }, 120_000);
});

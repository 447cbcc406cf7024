import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { expect, it } from 'vitest';
import { STRONG_PASSWORD } from '../support/client.js';
import { smallJpeg } from '../support/photos.js';
import { CHROMIUM_MISSING, cspViolations, signUpAndLogIn, useAppInChromium } from '../support/chromium.js';
import { describeWith } from '../support/requirements.js';


// Debian's Chromium, driven by playwright-core; .ci/run installs it. Browsers are never downloaded.
describeWith(CHROMIUM_MISSING, 'in a real browser (Chromium)', () => {
  const t = useAppInChromium();

  it('signs up and logs in with the forms, without any CSP violation', async () => {
    const context = await t.browser.newContext();
    const page = await context.newPage();
    const violations = cspViolations(page);

    await page.goto(`${t.server.origin}/photos/`);
    expect(new URL(page.url()).pathname).toBe('/accounts/login/');

    await page.goto(`${t.server.origin}/accounts/signup/`);
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
      const context = await t.browser.newContext({ javaScriptEnabled });
      const page = await context.newPage();
      const violations = cspViolations(page);
      const username = `uploader_${javaScriptEnabled ? 'js' : 'nojs'}`;
      await signUpAndLogIn(page, t.server.origin, username);

      await page.goto(`${t.server.origin}/photos/upload/`);
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

  // The README's screenshots, made only on request (PV_SCREENSHOTS=1) so that test runs never rewrite
  // them; defined only then, so an ordinary run has no skipped test to explain.
  if (process.env.PV_SCREENSHOTS === '1') it('takes the README screenshots: the gallery and the upload progress', async () => {
    const context = await t.browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    await signUpAndLogIn(page, t.server.origin, 'sam');
    for (const [title, colours] of SCENES) {
      await page.goto(`${t.server.origin}/photos/upload/`);
      await page.setInputFiles('#id_image', { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: await scene(1200, 900, colours) });
      await page.fill('#id_title', title);
      await page.click('button[type=submit]:text("Upload")');
      await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
    }
    await page.goto(`${t.server.origin}/photos/`);
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.tile img')).every((img) => (img as HTMLImageElement).complete));
    await saveScreenshot(page, 'gallery.png');

    // Hold the status answers that follow the first "scanning" or "processing" one, so the bar stays there for the picture.
    let shown = false;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/photos/*/status/', async (route) => {
      const response = await route.fetch();
      const { status } = (await response.json()) as { status: string };
      if (shown) await held;
      else shown = status === 'scanning' || status === 'processing';
      await route.fulfill({ response });
    });
    await page.goto(`${t.server.origin}/photos/upload/`);
    await page.setInputFiles('#id_image', { name: 'lake.jpg', mimeType: 'image/jpeg', buffer: await scene(6000, 4000, ['#f6d8ae', '#8fb8de', '#5b7f95', '#2f4858']) });
    await page.fill('#id_title', 'Lake at dawn');
    await page.click('button[type=submit]:text("Upload")');
    await expect.poll(() => page.textContent('#upload-progress-label'), { timeout: 30_000 }).toMatch(/Scanning|Processing/);
    await saveScreenshot(page, 'upload-progress.png');
    release();
    await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
    await context.close();
  }, 120_000);

  it('cannot be framed (clickjacking)', async () => {
    const page = await t.browser.newPage();
    await page.goto(`${t.server.origin}/accounts/login/`);
    await page.setContent(`<iframe id="f" src="${t.server.origin}/accounts/login/"></iframe>`);
    await page.waitForTimeout(500);
    const frame = page.frames().find((f) => f !== page.mainFrame());
    const framedText = frame ? await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '') : '';
    expect(framedText).not.toContain('Log in');
    await page.close();
  });
});

// Landscapes painted pixel by pixel (the app's process lets sharp load only the upload formats, so no SVG):
// sky from top to bottom colour, a sun, far mountains and a near hill.
type Colours = readonly [string, string, string, string];
const SCENES: readonly (readonly [string, Colours])[] = [
  ['Harbour at dusk', ['#2b1b4a', '#f08a5d', '#6a2c70', '#1d1135']],
  ['Alpine ridge', ['#7fb2e5', '#dcecf8', '#8d99ae', '#3d5a80']],
  ['Pine forest', ['#a8d5ba', '#f1f7ed', '#3f7d5a', '#1f3d2b']],
  ['Dunes at noon', ['#62a8e5', '#f7e8c3', '#e0a458', '#b5651d']],
  ['Moonrise', ['#0b132b', '#3a506b', '#1c2541', '#070b16']],
  ['Lavender field', ['#f9c6c9', '#fbe7c6', '#9b7ede', '#5d3a9b']],
];
const RIDGE = [[0, 58], [22, 40], [40, 52], [62, 30], [86, 50], [104, 38], [120, 48]] as const;

function scene(width: number, height: number, colours: Colours): Promise<Buffer> {
  const [skyTop, skyBottom, far, near] = colours.map((hex) => [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)));
  const [w, h] = [240, 180];
  const pixels = Buffer.alloc(w * h * 3);
  for (let py = 0; py < h; py++) {
    for (let px = 0; px < w; px++) {
      const [x, y] = [(px / w) * 120, (py / h) * 90];
      const segment = RIDGE.findIndex(([rx]) => rx >= x);
      const [[x0, y0], [x1, y1]] = [RIDGE[Math.max(0, segment - 1)]!, RIDGE[Math.max(0, segment)]!];
      const ridge = x1 === x0 ? y0 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
      const sky = skyTop!.map((c, i) => c + ((skyBottom![i]! - c) * y) / 90);
      const colour = y > 68 + 4 * Math.sin((x / 120) * 3 * Math.PI) ? near! : y > ridge ? far! : Math.hypot(x - 84, y - 34) < 9 ? [255, 246, 213] : sky;
      pixels.set(colour.map(Math.round), (py * w + px) * 3);
    }
  }
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } }).resize(width, height).jpeg({ quality: 85 }).toBuffer();
}

async function saveScreenshot(page: Page, name: string): Promise<void> {
  const dir = path.resolve(import.meta.dirname, '../../docs/images');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, name), await sharp(await page.screenshot()).png({ palette: true, effort: 10 }).toBuffer());
}

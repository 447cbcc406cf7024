import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { CHROMIUM_MISSING, cspViolations, signUpAndLogIn, useAppInChromium } from '../support/chromium.js';
import { STRONG_PASSWORD } from '../support/client.js';
import { makeTempDir } from '../support/images.js';
import { smallJpeg } from '../support/photos.js';
import { describeWith } from '../support/requirements.js';

// Export and deletion as a user meets them, in Debian's Chromium: request an export, wait for it,
// download the zip; then delete the account, land logged out, and find the login refused.
describeWith(CHROMIUM_MISSING, 'account export and deletion in a real browser (Chromium)', () => {
  const t = useAppInChromium({ MODERATION_ENABLED: 'false' });

  it('exports (queued → ready → download), then deletes the account: logged out, and the login fails', async () => {
    const context = await t.browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const violations = cspViolations(page);
    const origin = t.server.origin;
    await signUpAndLogIn(page, origin, 'leaver');
    await page.goto(`${origin}/photos/upload/`);
    await page.setInputFiles('#id_image', { name: 'keep.jpg', mimeType: 'image/jpeg', buffer: await smallJpeg(300, 200, '#8a3') });
    await page.fill('#id_title', 'Keep me');
    await page.click('button[type=submit]:text("Upload")');
    await page.waitForURL(/\/photos\/([0-9a-f]{32})\/$/, { timeout: 30_000 });
    const photoId = /\/photos\/([0-9a-f]{32})\/$/.exec(page.url())?.[1] ?? '';
    await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');

    // Export: from the account page, request, reload until ready, download.
    await page.goto(`${origin}/accounts/`);
    await page.click('a:text("Export your data")');
    await page.waitForURL(`${origin}/accounts/export/`);
    expect(await page.getAttribute('[data-export-status]', 'data-export-status')).toBe('none');
    await page.click('button[type=submit]:text("Request an export")');
    await page.waitForURL(`${origin}/accounts/export/`);
    expect(await page.textContent('.notice')).toContain('Export requested.');
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.getAttribute('[data-export-status]', 'data-export-status');
        },
        { timeout: 30_000, interval: 300 },
      )
      .toBe('ready');
    expect(await page.textContent('[data-export-status]')).toContain('1 photo,');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:text("Download the zip")')]);
    expect(download.suggestedFilename()).toMatch(/^photovault-export-\d{4}-\d{2}-\d{2}\.zip$/);
    const tmp = await makeTempDir();
    try {
      const file = path.join(tmp.dir, 'export.zip');
      await download.saveAs(file);
      const entries = execFileSync('zipinfo', ['-1', file], { encoding: 'utf8' }).trim().split('\n').sort();
      expect(entries).toEqual([expect.stringMatching(new RegExp(`^originals/\\d{4}-\\d{2}-\\d{2}-${photoId}\\.jpg$`)), 'photovault.json']);
      const json = JSON.parse(execFileSync('unzip', ['-p', file, 'photovault.json'], { encoding: 'utf8' })) as { photos: { title: string }[] };
      expect(json.photos.map((p) => p.title)).toEqual(['Keep me']);
    } finally {
      await tmp.remove();
    }

    // Delete: the explanation, the password, then logged out with a notice.
    await page.goto(`${origin}/accounts/`);
    await page.click('a:text("Delete your account")');
    await page.waitForURL(`${origin}/accounts/delete/`);
    expect(await page.textContent('main')).toContain('cannot be undone');
    await page.fill('#id_password', 'not my password at all');
    await page.click('button[type=submit]:text("Delete my account")');
    expect(await page.textContent('#password-errors')).toContain('incorrectly');
    await page.fill('#id_password', STRONG_PASSWORD);
    await page.click('button[type=submit]:text("Delete my account")');
    await page.waitForURL(`${origin}/accounts/login/`);
    expect(await page.textContent('.notice')).toContain('Your account has been deleted');
    await page.goto(`${origin}/photos/`);
    await page.waitForURL(/\/accounts\/login\/\?next=/);

    await page.fill('#id_username', 'leaver');
    await page.fill('#id_password', STRONG_PASSWORD);
    await page.click('button[type=submit]:text("Log in")');
    expect(await page.textContent('#login-errors')).toContain('Please enter a correct username and password.');
    expect(page.url()).toContain('/accounts/login/');
    expect(violations).toEqual([]);
    await context.close();
  }, 90_000);
});

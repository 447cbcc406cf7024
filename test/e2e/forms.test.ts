import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD } from '../support/client.js';
import { smallJpeg } from '../support/photos.js';
import { startListeningApp, type ListeningApp } from '../support/server.js';
import { CHROMIUM_MISSING, launchChromium, signUpAndLogIn } from '../support/chromium.js';
import { totpCode } from '../support/two-factor.js';
import { describeWith } from '../support/requirements.js';
import { resetLinkIn, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const OWNER = 'form_owner';
const SHARE_PASSWORD = 'tidepool-heron';
// A name that is not localhost: over plain HTTP Chromium sends it no Fetch Metadata (a secure-context
// feature), as on a LAN install; --host-resolver-rules points it at the loopback server.
const LAN_HOST = 'photos.test';
// Forms whose action is a variable in the view, with the routes it holds.
const VARIABLE_ACTIONS: Record<string, readonly string[]> = {
  'share-password-page.tsx action': ['/s/:/'],
  'password-reset-confirm-page.tsx action': ['/accounts/password/reset/:/'],
  // The component's own form: its actions are read where each <PostButton> is used.
  'post-button.tsx action': [],
  'share-links-section.tsx createAction': ['/photos/:/shares/', '/albums/:/shares/'],
  'share-links-section.tsx revokeAction': ['/photos/:/shares/:/revoke/', '/albums/:/shares/:/revoke/'],
};
const CHANGED_PASSWORD = 'saffron lighthouse pebble orbit';
const ALBUM_PASSWORD = 'breakwater-tern';

// Every <form> of the app, filled in and submitted through the real UI, in the order a user meets
// them: the steps share one owner (one browser context) and one uploaded photo, so they run in order.
describeWith(CHROMIUM_MISSING, 'every form, filled in and submitted in Chromium', () => {
  let server: ListeningApp;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let owner: BrowserContext;
  let page: Page;
  let photoUrl: string;
  let shareLink: string;
  let albumUrl: string;
  let secondPhotoUrl: string;
  // What the server received with each POST, refused ones included (a browser's own view of its
  // request headers leaves out Fetch Metadata once a route intercepts it).
  const posts: { url: string; origin?: string; site?: string }[] = [];
  const lastPost = () => posts.at(-1);
  const postedRoutes = new Set<string>();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const mail = { SMTP_URL: smtp.url, MAIL_FROM: 'photovault <photos@example.test>', PUBLIC_URL: 'https://photos.example.test' };
    server = await startListeningApp('sqlite', mail, {
      beforeReady: (app) => {
        // onSend: before the answer leaves, so the record is there by the time the browser shows it.
        app.addHook('onSend', async (request, _reply, payload) => {
          if (request.method === 'POST') {
            postedRoutes.add((request.routeOptions.url ?? '').replace(/:\w+/g, ':'));
            const site = request.headers['sec-fetch-site'];
            posts.push({ url: request.url, ...(request.headers.origin === undefined ? {} : { origin: request.headers.origin }), ...(typeof site === 'string' ? { site } : {}) });
          }
          return payload;
        });
      },
    });
    browser = await launchChromium([`--host-resolver-rules=MAP ${LAN_HOST} 127.0.0.1`]);
    owner = await browser.newContext();
    page = await owner.newPage();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  const heading = (p: Page) => p.textContent('h1');

  async function logIn(p: Page, username = OWNER, password = STRONG_PASSWORD) {
    await p.fill('#id_username', username);
    await p.fill('#id_password', password);
    await p.click('button[type=submit]:text("Log in")');
  }

  /** Serves the pages matching `glob` with `Referrer-Policy: no-referrer`, as the share pages once had. */
  async function withNoReferrer(context: BrowserContext, glob: string) {
    await context.route(glob, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const response = await route.fetch();
      const body = (await response.text()).replace('<meta name="referrer" content="same-origin"/>', '<meta name="referrer" content="no-referrer"/>');
      return route.fulfill({ response, body, headers: { ...response.headers(), 'referrer-policy': 'no-referrer' } });
    });
  }

  async function unlockShare(context: BrowserContext, link: string, password = SHARE_PASSWORD) {
    const view = await context.newPage();
    await view.goto(link);
    expect(await heading(view)).toBe('This shared photo is protected');
    await view.fill('#id_share_password', password);
    await view.click('button[type=submit]:text("View the photo")');
    await view.waitForLoadState();
    return view;
  }

  it('signup, then login with next, then logout', async () => {
    await page.goto(`${server.origin}/accounts/signup/`);
    await page.fill('#id_username', OWNER);
    await page.fill('#id_email', `${OWNER}@example.com`);
    await page.fill('#id_password1', STRONG_PASSWORD);
    await page.fill('#id_password2', STRONG_PASSWORD);
    await page.click('button[type=submit]:text("Sign up")');
    await page.waitForURL(/\/accounts\/login\/\?created=1$/);
    expect(await page.textContent('p.notice')).toContain('Your account has been created');

    await page.goto(`${server.origin}/accounts/`);
    await page.waitForURL(/\/accounts\/login\/\?next=/);
    await logIn(page);
    await page.waitForURL(`${server.origin}/accounts/`);
    expect(await heading(page)).toBe('Your account');

    await page.click('button:text("Log out")');
    await page.waitForURL(/\/accounts\/login\/$/);
    await page.goto(`${server.origin}/photos/`);
    expect(new URL(page.url()).pathname).toBe('/accounts/login/');
    await logIn(page);
    await page.waitForURL(/\/photos\/$/);
  });

  it('upload, then edit the title, alt text and caption', async () => {
    await page.goto(`${server.origin}/photos/upload/`);
    await page.setInputFiles('#id_image', { name: 'harbour.jpg', mimeType: 'image/jpeg', buffer: await smallJpeg(320, 240, '#2a7f62') });
    await page.fill('#id_title', 'Harbour');
    await page.click('button[type=submit]:text("Upload")');
    await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
    photoUrl = page.url();
    await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');

    await page.goto(photoUrl);
    await page.fill('#id_title', 'Harbour at dusk');
    await page.fill('#id_alt', 'Boats moored under an orange sky');
    await page.fill('#id_caption', 'Taken from the sea wall');
    await page.click('button[type=submit]:text("Save")');
    await page.waitForURL(photoUrl);
    expect(await heading(page)).toBe('Harbour at dusk');
    expect(await page.inputValue('#id_alt')).toBe('Boats moored under an orange sky');
    expect(await page.inputValue('#id_caption')).toBe('Taken from the sea wall');
  }, 60_000);

  it('share link: create one with a password; a visitor is refused the wrong one and let in with the right one', async () => {
    await page.fill('#share-links #id_share_password', SHARE_PASSWORD);
    await page.selectOption('#id_share_expiry', '1');
    await page.click('button[type=submit]:text("Create share link")');
    shareLink = await page.inputValue('#id_new_share_link');
    expect(shareLink).toMatch(new RegExp(`^${server.origin}/s/[A-Za-z0-9_-]{43}/$`));
    expect(await page.textContent('#share-links tbody tr')).toContain('Active');

    const visitor = await browser.newContext();
    const wrong = await unlockShare(visitor, shareLink, 'not-the-password');
    expect(await wrong.textContent('#share-password-errors')).toContain('That password is not correct.');
    const right = await unlockShare(visitor, shareLink);
    expect(await heading(right)).toBe('Harbour at dusk');
    expect(await right.getAttribute('figure.photo img', 'alt')).toBe('Boats moored under an orange sky');
    await visitor.close();
  });

  it('the share password over plain HTTP to a LAN host name, where browsers send no Fetch Metadata', async () => {
    const visitor = await browser.newContext();
    const lanLink = shareLink.replace('//127.0.0.1:', `//${LAN_HOST}:`);
    const view = await unlockShare(visitor, lanLink);
    expect(lastPost()).toEqual({ url: new URL(lanLink).pathname, origin: `http://${LAN_HOST}:${new URL(lanLink).port}` });
    expect(await heading(view)).toBe('Harbour at dusk');
    await visitor.close();
  });

  it('forms on a no-referrer page post Origin: null, and still work (Sec-Fetch-Site: same-origin)', async () => {
    const visitor = await browser.newContext();
    await withNoReferrer(visitor, `${server.origin}/s/**`);
    const view = await unlockShare(visitor, shareLink);
    expect(lastPost()).toEqual({ url: new URL(shareLink).pathname, origin: 'null', site: 'same-origin' });
    expect(await heading(view)).toBe('Harbour at dusk');
    await visitor.close();

    // The header's Log out form, on a share page, signed in (then back in for the next steps).
    await withNoReferrer(owner, `${server.origin}/s/**`);
    await page.goto(shareLink);
    await page.click('button:text("Log out")');
    await page.waitForURL(/\/accounts\/login\/$/);
    expect(lastPost()).toEqual({ url: '/accounts/logout/', origin: 'null', site: 'same-origin' });
    await owner.unroute(`${server.origin}/s/**`);
    await logIn(page);
    await page.waitForURL(/\/photos\/$/);
  });

  it('a sibling origin of the same site cannot post a form, even with a stolen token and Origin: null', async () => {
    // Another app on the same host (another port, or a sibling subdomain) is same-site: the
    // SameSite=Lax cookies go along, so only the origin check stands between it and the form.
    const stolen = await page.inputValue('input[name=_csrf]');
    const port = Number(new URL(server.origin).port);
    const sibling = `http://127.0.0.1:${port === 65535 ? port - 1 : port + 1}`;
    const attack =
      `<!doctype html><meta name="referrer" content="no-referrer"><form method="post" action="${photoUrl}edit/">` +
      `<input type="hidden" name="_csrf" value="${stolen}"><input type="hidden" name="title" value="Defaced"><button>Win a prize</button></form>`;
    await owner.route(`${sibling}/**`, (route) => route.fulfill({ contentType: 'text/html', body: attack }));
    const p = await owner.newPage();
    await p.goto(`${sibling}/prize`);
    await p.click('button');
    await p.waitForURL((url) => url.origin === server.origin);
    expect(await heading(p)).toBe('Request refused');
    expect(lastPost()).toEqual({ url: new URL(`${photoUrl}edit/`).pathname, origin: 'null', site: 'same-site' });
    await p.close();
    await owner.unroute(`${sibling}/**`);

    await page.goto(photoUrl);
    expect(await heading(page)).toBe('Harbour at dusk');
  });

  it('share link: revoke it; the link then shows nothing', async () => {
    await page.goto(photoUrl);
    await page.click('#share-links button:text("Revoke")');
    await page.waitForURL(`${photoUrl}#share-links`);
    expect(await page.textContent('#share-links tbody tr .share-state')).toBe('Revoked');

    const visitor = await browser.newContext();
    const view = await visitor.newPage();
    const response = await view.goto(shareLink);
    expect(response?.status()).toBe(404);
    await visitor.close();
  });

  it('API token: create one, use it, revoke it', async () => {
    await page.goto(`${server.origin}/accounts/`);
    await page.fill('#id_api_token_name', 'backup script');
    await page.click('button[type=submit]:text("Create token")');
    const token = await page.inputValue('#id_new_api_token');
    expect(await page.textContent('.notice[role=status]')).toContain('“backup script”');
    const me = () => fetch(`${server.origin}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(((await (await me()).json()) as { username: string }).username).toBe(OWNER);

    await page.click('button[aria-label="Revoke token backup script"]');
    await page.waitForURL(`${server.origin}/accounts/`);
    expect(await page.textContent('p.empty')).toBe('You have no API tokens.');
    expect((await me()).status).toBe(401);
  });

  it('albums: create one, add the photo from its page and another from the gallery selection, make a cover, rename', async () => {
    await page.goto(`${server.origin}/albums/`);
    await page.fill('#id_album_name', 'Weekend');
    await page.click('button[type=submit]:text("Create album")');
    await page.waitForURL(/\/albums\/[0-9a-f]{32}\/$/);
    albumUrl = page.url();
    expect(await heading(page)).toBe('Weekend');

    await page.goto(photoUrl);
    await page.selectOption('#id_add_to_album', { label: 'Weekend' });
    await page.click('button[type=submit]:text("Add to album")');
    await page.waitForURL(albumUrl);
    expect(await page.locator('.album-grid li').count()).toBe(1);

    await page.goto(`${server.origin}/photos/upload/`);
    await page.setInputFiles('#id_image', { name: 'pier.jpg', mimeType: 'image/jpeg', buffer: await smallJpeg(240, 320, '#c05a2a') });
    await page.fill('#id_title', 'Pier');
    await page.click('button[type=submit]:text("Upload")');
    await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
    secondPhotoUrl = page.url();
    await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');

    await page.goto(`${server.origin}/photos/`);
    await page.check('input[aria-label="Select Pier"]');
    await page.click('button:text("Add selected to album…")');
    expect(await heading(page)).toBe('Add 1 photo to an album');
    await page.click('button:text("Add to Weekend")');
    await page.waitForURL(albumUrl);
    expect(await page.locator('.album-grid li').count()).toBe(2);

    await page.goto(`${server.origin}/photos/`);
    await page.check('input[aria-label="Select Pier"]');
    await page.check('input[aria-label="Select Harbour at dusk"]');
    await page.click('button:text("Add selected to album…")');
    await page.fill('#id_album_name', 'Both');
    await page.click('button:text("Create album with these photos")');
    await page.waitForURL(/\/albums\/[0-9a-f]{32}\/$/);
    expect(await heading(page)).toBe('Both');
    expect(await page.locator('.album-grid li').count()).toBe(2);

    await page.goto(albumUrl);
    await page.click('button[aria-label="Make Pier the cover"]');
    await page.waitForURL(albumUrl);
    expect(await page.textContent('.album-grid li:nth-child(2) .cover-mark')).toBe('Cover');
    await page.click('button:text("Use the first photo as the cover")');
    await page.waitForURL(albumUrl);
    expect(await page.textContent('.album-grid li:nth-child(1) .cover-mark')).toBe('Cover');

    await page.fill('#id_album_rename', 'Long weekend');
    await page.click('button[type=submit]:text("Rename")');
    await page.waitForURL(albumUrl);
    expect(await heading(page)).toBe('Long weekend');
  }, 60_000);

  it('albums: share with a password, open it logged out, revoke; remove a photo; delete after confirming', async () => {
    await page.fill('#share-links #id_share_password', ALBUM_PASSWORD);
    await page.click('button[type=submit]:text("Create share link")');
    const link = await page.inputValue('#id_new_share_link');
    expect(link).toMatch(new RegExp(`^${server.origin}/s/[A-Za-z0-9_-]{43}/$`));
    const visitor = await browser.newContext();
    const view = await visitor.newPage();
    await view.goto(link);
    expect(await heading(view)).toBe('This shared album is protected');
    await view.fill('#id_share_password', ALBUM_PASSWORD);
    await view.click('button[type=submit]:text("View the album")');
    await view.waitForURL(link);
    expect(await heading(view)).toBe('Long weekend');
    expect(await view.locator('.album-grid li').count()).toBe(2);

    await page.goto(albumUrl);
    await page.click('#share-links button:text("Revoke")');
    await page.waitForURL(`${albumUrl}#share-links`);
    expect(await page.textContent('#share-links tbody tr .share-state')).toBe('Revoked');
    expect((await view.goto(link))?.status()).toBe(404);
    await visitor.close();

    await page.click('button[aria-label="Remove Pier from the album"]');
    await page.waitForURL(albumUrl);
    expect(await page.locator('.album-grid li').count()).toBe(1);

    await page.click('a:text("Delete this album…")');
    expect(await heading(page)).toBe('Delete the album “Long weekend”?');
    await page.click('button:text("Delete album")');
    await page.waitForURL(`${server.origin}/albums/`);
    expect((await page.goto(albumUrl))?.status()).toBe(404);

    // The second photo goes again, so the steps below meet the library as before.
    await page.goto(secondPhotoUrl);
    await page.click('a:text("Delete this photo…")');
    await page.waitForURL(`${secondPhotoUrl}delete/`);
    await page.click('button:text("Delete for good")');
    await page.waitForURL(`${server.origin}/photos/`);
  }, 60_000);

  it('photo delete: the photo leaves the gallery and its page is gone', async () => {
    await page.goto(photoUrl);
    await page.click('a:text("Delete this photo…")');
    await page.waitForURL(`${photoUrl}delete/`);
    await page.click('button:text("Delete for good")');
    await page.waitForURL(`${server.origin}/photos/`);
    expect(await page.textContent('main [role=status]')).toBe('Photo deleted for good.');
    expect(await page.textContent('p.empty')).toBe('You have no photos yet.');
    expect((await page.goto(photoUrl))?.status()).toBe(404);
  });

  it('trash: move a photo there from its page, restore it, trash the gallery selection, empty the Trash after confirming', async () => {
    await page.goto(`${server.origin}/photos/upload/`);
    await page.setInputFiles('#id_image', { name: 'tern.jpg', mimeType: 'image/jpeg', buffer: await smallJpeg(320, 240, '#7f2a62') });
    await page.fill('#id_title', 'Tern');
    await page.click('button[type=submit]:text("Upload")');
    await page.waitForURL(/\/photos\/[0-9a-f]{32}\/$/, { timeout: 30_000 });
    const ternUrl = page.url();
    await expect.poll(() => page.getAttribute('#photo-status', 'data-status'), { timeout: 30_000 }).toBe('ready');
    await page.goto(ternUrl);
    await page.click('button:text("Move to Trash")');
    await page.waitForURL(`${server.origin}/photos/`);
    expect(await page.textContent('main [role=status]')).toBe('Moved to the Trash. Restore it from the Trash');
    await page.click('main [role=status] a');
    await page.click('button:text("Restore")');
    await page.waitForURL(`${server.origin}/photos/trash/`);
    expect(await page.textContent('main [role=status]')).toBe('Restored: the photo is back in your library.');
    await page.goto(`${server.origin}/photos/`);
    await page.check('input[aria-label="Select Tern"]');
    await page.click('button:text("Move to Trash")');
    await page.waitForURL(`${server.origin}/photos/`);
    expect(await page.textContent('p.empty')).toBe('You have no photos yet.');
    await page.goto(`${server.origin}/photos/trash/`);
    await page.click('a:text("Empty trash…")');
    await page.click('button:text("Delete them for good")');
    await page.waitForURL(`${server.origin}/photos/trash/`);
    expect(await page.textContent('p.empty')).toBe('The Trash is empty.');
    expect((await page.goto(ternUrl))?.status()).toBe(404);
  }, 60_000);

  /** A second browser signed in as the owner. */
  async function secondBrowser(password = STRONG_PASSWORD) {
    const context = await browser.newContext();
    const other = await context.newPage();
    await other.goto(`${server.origin}/accounts/login/`);
    await logIn(other, OWNER, password);
    await other.waitForURL(/\/photos\/$/);
    const signedIn = async () => {
      await other.goto(`${server.origin}/photos/`);
      return new URL(other.url()).pathname === '/photos/';
    };
    return { context, signedIn };
  }

  it('sessions: each named by browser and system; end another one, then every other one', async () => {
    const phone = await secondBrowser();
    await page.goto(`${server.origin}/accounts/`);
    const rows = page.locator('.sessions-section tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.textContent('.sessions-section tbody')).toMatch(/Chrom/);
    expect(await page.textContent('.sessions-section tbody')).toContain('Linux');
    expect(await page.textContent('.sessions-section tbody')).not.toContain('Mozilla/5.0');
    expect(await rows.filter({ hasText: '(this session)' }).count()).toBe(1);
    await page.click('.sessions-section button[aria-label^="End the session of"]');
    await page.waitForURL(`${server.origin}/accounts/`);
    expect(await page.locator('.sessions-section tbody tr').count()).toBe(1);
    expect(await phone.signedIn()).toBe(false);
    await phone.context.close();

    const tablet = await secondBrowser();
    await page.goto(`${server.origin}/accounts/`);
    await page.click('button:text-is("Log out everywhere else")');
    await page.waitForURL(`${server.origin}/accounts/`);
    expect(await tablet.signedIn()).toBe(false);
    expect(await heading(page)).toBe('Your account');
    await tablet.context.close();
  });

  it('password change: the other browser is signed out, this one stays signed in', async () => {
    const phone = await secondBrowser();
    await page.goto(`${server.origin}/accounts/`);
    await page.click('a:text("Change your password")');
    await page.fill('#id_old_password', STRONG_PASSWORD);
    await page.fill('#id_new_password1', CHANGED_PASSWORD);
    await page.fill('#id_new_password2', CHANGED_PASSWORD);
    await page.click('button[type=submit]:text("Change my password")');
    await page.waitForURL(`${server.origin}/accounts/password/change/done/`);
    expect(await heading(page)).toBe('Password changed');
    expect(await phone.signedIn()).toBe(false);
    await page.goto(`${server.origin}/photos/`);
    expect(new URL(page.url()).pathname).toBe('/photos/');
    await phone.context.close();
  });

  it('password reset: the mail reaches the SMTP server, its link sets the password, every session ends', async () => {
    // On a 390-px phone: the reset pages never scroll sideways (the everyday suite measures the others).
    const stranger = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const forgot = await stranger.newPage();
    const scrollWidth = () => forgot.evaluate(() => document.documentElement.scrollWidth);
    await forgot.goto(`${server.origin}/accounts/login/`);
    await forgot.click('a:text("Forgotten your password?")');
    await forgot.fill('#id_email', `${OWNER}@example.com`);
    await forgot.click('button[type=submit]:text("Reset my password")');
    expect(await forgot.textContent('p.notice')).toContain('We’ve emailed you instructions');
    expect(await scrollWidth(), 'reset sent').toBeLessThanOrEqual(390);
    const link = resetLinkIn(await smtp.nextMailTo(`${OWNER}@example.com`));
    expect(link.origin).toBe('https://photos.example.test');

    await forgot.goto(`${server.origin}${link.pathname}`);
    expect(await heading(forgot)).toBe('Enter new password');
    expect(await scrollWidth(), 'reset confirm').toBeLessThanOrEqual(390);
    await forgot.fill('#id_new_password1', STRONG_PASSWORD);
    await forgot.fill('#id_new_password2', STRONG_PASSWORD);
    await forgot.click('button[type=submit]:text("Change my password")');
    await forgot.waitForURL(/\/accounts\/login\/\?reset=1$/);
    expect(await forgot.textContent('p.notice')).toContain('Your password has been set.');
    await forgot.goto(`${server.origin}${link.pathname}`);
    expect(await heading(forgot)).toBe('Password reset unsuccessful');
    expect(await scrollWidth(), 'reset link used').toBeLessThanOrEqual(390);
    await stranger.close();

    await page.goto(`${server.origin}/photos/`);
    expect(new URL(page.url()).pathname).toBe('/accounts/login/');
    await logIn(page);
    await page.waitForURL(/\/photos\/$/);
  });

  it('log out everywhere: every session of the account ends', async () => {
    const phone = await browser.newContext();
    const other = await phone.newPage();
    await other.goto(`${server.origin}/accounts/login/`);
    await logIn(other);
    await other.waitForURL(/\/photos\/$/);

    await page.goto(`${server.origin}/accounts/`);
    await page.click('button:text-is("Log out everywhere")');
    await page.waitForURL(/\/accounts\/login\//);
    for (const p of [page, other]) {
      await p.goto(`${server.origin}/photos/`);
      expect(new URL(p.url()).pathname).toBe('/accounts/login/');
    }
    await phone.close();
  });

  it('two-factor login and administration: setup, the code step, moderation, users, reset and turning it off', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await signUpAndLogIn(p, server.origin, 'forms_admin');
    await server.db.updateTable('users').set({ role: 'admin' }).where('username_key', '=', 'forms_admin').execute();
    const setUp = async (atMs: number) => {
      await p.goto(`${server.origin}/accounts/2fa/`);
      const secret = await p.inputValue('#id_totp_secret');
      await p.fill('#id_code', totpCode(secret, atMs));
      await p.click('button:text("Turn on two-factor login")');
      await p.waitForSelector('#recovery-codes');
      return secret;
    };
    const secret = await setUp(Date.now());
    await p.click('button:text("Log out")');
    await p.waitForURL(/\/accounts\/login\/$/);
    await logIn(p, 'forms_admin');
    await p.waitForURL(/\/accounts\/login\/2fa\/$/);
    await p.fill('#id_code', totpCode(secret, Date.now() + 30_000));
    await p.click('button:text("Verify")');
    await p.waitForURL(/\/photos\/$/);

    const owner = await server.db.selectFrom('users').select('id').where('username_key', '=', OWNER.toLowerCase()).executeTakeFirstOrThrow();
    const held = ['a'.repeat(32), 'b'.repeat(32)];
    for (const id of held) await server.db.insertInto('photos').values({ id, owner_id: owner.id, status: 'held', title: `held ${id[0]}`, created_at: Date.now() }).execute();
    await p.goto(`${server.origin}/admin/moderation/`);
    await p.click(`[data-photo-id="${held[0]}"] button:text("Release")`);
    await p.waitForURL(/done=released$/);
    await p.fill(`#reason-${held[1]}`, 'Not for this site');
    await p.click(`[data-photo-id="${held[1]}"] button:text("Remove")`);
    await p.waitForURL(/done=removed$/);

    const row = `[data-user="${OWNER}"]`;
    for (const [button, done] of [['Disable', 'disable'], ['Enable', 'enable'], ['End sessions', 'end-sessions']] as const) {
      await p.goto(`${server.origin}/admin/users/`);
      await p.click(`${row} button:text("${button}")`);
      await p.waitForURL(new RegExp(`done=${done}$`));
    }
    await p.goto(`${server.origin}/admin/users/`);
    await p.fill(`${row} input[name=quota_mb]`, '250');
    await p.click(`${row} button:text("Set quota")`);
    await p.waitForURL(/done=quota$/);
    expect(await p.inputValue(`${row} input[name=quota_mb]`)).toBe('250');
    await p.goto(`${server.origin}/admin/users/`);
    await p.click('[data-user="forms_admin"] button:text("Reset two-factor")');
    await p.waitForURL(/\/accounts\/2fa\/\?next=/);

    const again = await setUp(Date.now());
    await p.goto(`${server.origin}/accounts/2fa/`);
    await p.fill('#id_password', STRONG_PASSWORD);
    await p.fill('#id_code', totpCode(again, Date.now() + 30_000));
    await p.click('button:text("Turn off two-factor login")');
    await p.waitForURL(/\/accounts\/2fa\/$/);
    expect(await p.inputValue('#id_totp_secret')).toMatch(/^[A-Z2-7]+$/);
    await context.close();
  }, 60_000);

  it('export and account deletion: request an export, then delete a separate account and land logged out', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await signUpAndLogIn(p, server.origin, 'forms_leaver');
    await p.goto(`${server.origin}/accounts/export/`);
    await p.click('button[type=submit]:text("Request an export")');
    await p.waitForURL(`${server.origin}/accounts/export/`);
    expect(await p.textContent('.notice')).toContain('Export requested.');
    await p.goto(`${server.origin}/accounts/delete/`);
    await p.fill('#id_password', STRONG_PASSWORD);
    await p.click('button[type=submit]:text("Delete my account")');
    await p.waitForURL(`${server.origin}/accounts/login/`);
    expect(await p.textContent('.notice')).toContain('Your account has been deleted');
    await context.close();
  });

  it('passkeys: rename one, and remove it after the password is asked for (adding one is a WebAuthn ceremony: see e2e/passkeys.test.ts)', async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await signUpAndLogIn(p, server.origin, 'forms_passkey');
    const user = await server.db.selectFrom('users').select('id').where('username_key', '=', 'forms_passkey').executeTakeFirstOrThrow();
    const id = 'formsPasskey0000000000';
    await server.db
      .insertInto('passkeys')
      .values({ id, user_id: user.id, credential_id: 'forms-passkey-credential', public_key: 'AA', counter: 0, transports: '', user_handle: 'forms', name: 'Forms key', created_at: Date.now() })
      .execute();
    await p.goto(`${server.origin}/accounts/passkeys/`);
    await p.fill(`#rename-${id}`, 'Renamed key');
    await p.click('[data-passkey="Forms key"] button:text("Rename")');
    await p.waitForSelector('[data-passkey="Renamed key"]');
    await p.click('[data-passkey="Renamed key"] button:text("Remove")');
    await p.waitForSelector('text=Enter your password (or a current code) to remove a passkey.');
    await p.fill(`#password-${id}`, STRONG_PASSWORD);
    await p.click('[data-passkey="Renamed key"] button:text("Remove")');
    await p.waitForSelector('text=Passkey removed.');
    expect(await p.isVisible('#passkeys-empty')).toBe(true);
    await context.close();
  }, 60_000);

  it('left no form of the app out: every <form> in the views was submitted above', async () => {
    const sources = (await readdir('src', { recursive: true })).filter((file) => file.endsWith('.tsx'));
    const actions: string[] = [];
    for (const file of sources) {
      const text = await readFile(path.join('src', file), 'utf8');
      // Search and filter forms (method="get") change nothing and are not posted; a <PostButton> is a posted form.
      const forms = [...text.matchAll(/<(?:form\b(?![^>]*method="get")|PostButton\b)[^>]*?\saction=(?:"([^"]*)"|\{`([^`]*)`\}|\{(\w+)\})/g)];
      expect(forms.length, `${file}: a <form> without a recognisable action`).toBe(text.match(/<form\b(?![^>]*method="get")|<PostButton\b/g)?.length ?? 0);
      for (const [, literal, template, variable] of forms) {
        const fixed = literal ?? template?.replace(/\$\{[^}]*\}/g, ':');
        actions.push(...(fixed !== undefined ? [fixed] : (VARIABLE_ACTIONS[`${path.basename(file)} ${variable}`] ?? [`${file}: {${variable}}`])));
      }
    }
    expect(actions.length).toBeGreaterThanOrEqual(12);
    expect(actions.filter((action) => !postedRoutes.has(action))).toEqual([]);
  });
});

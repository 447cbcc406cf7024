import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_MISSING, launchChromium, logOutAndIn, signUpAndLogIn } from '../support/chromium.js';
import { describeWith } from '../support/requirements.js';
import { startListeningApp, type ListeningApp } from '../support/server.js';

function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

// Issue 16's "done when": a passkey from the virtual authenticator. Chromium offers WebAuthn only in
// a secure context; http://localhost is one, so the pages are opened at localhost (the RP ID), not
// 127.0.0.1. The DevTools protocol's WebAuthn domain stands in for the platform authenticator.
describeWith(CHROMIUM_MISSING, 'passkeys in a real browser (Chromium, virtual authenticator)', () => {
  let server: ListeningApp;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    server = await startListeningApp('sqlite');
    origin = server.origin.replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('registers a passkey, logs in with it without a password, and uses it as the second factor', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watchConsole(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });

    await signUpAndLogIn(page, origin, 'browser_passkey');
    await page.goto(`${origin}/accounts/`);
    await page.click('a:text("Add or manage passkeys")');
    await page.waitForURL(/\/accounts\/passkeys\/$/);
    await page.fill('#id_passkey_name', 'Chromium virtual key');
    await page.click('#passkey-add');
    await page.waitForSelector('[data-passkey="Chromium virtual key"]');
    expect(await page.textContent('main')).toContain('Passkey added.');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(credentials[0]!.rpId).toBe('localhost');

    // Passwordless: the login page's button, no username typed.
    await page.click('button:text("Log out")');
    await page.waitForURL(/\/accounts\/login\/$/);
    await page.click('button:text("Sign in with a passkey")');
    await page.waitForURL(/\/photos\/$/);
    expect(await page.textContent('nav')).toContain('browser_passkey');

    // As the second factor: the password, then the passkey.
    await logOutAndIn(page, 'browser_passkey');
    await page.click('button:text("Use a passkey")');
    await page.waitForURL(/\/photos\/$/);

    const used = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(used.credentials[0]!.signCount).toBeGreaterThanOrEqual(2);
    const events = await server.db.selectFrom('audit_log').select('event').where('target_name', '=', 'browser_passkey').execute();
    expect(events.filter((e) => e.event === 'passkey_used')).toHaveLength(2);
    expect(await page.isVisible('text=Passkeys need JavaScript')).toBe(false);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('without JavaScript the pages say passkeys need it, and the password login still works', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${origin}/accounts/login/`);
    expect(await page.isVisible('text=Passkeys need JavaScript')).toBe(true);
    expect(await page.isVisible('button:text("Sign in with a passkey")')).toBe(false);
    await signUpAndLogIn(page, origin, 'browser_nojs');
    await page.goto(`${origin}/accounts/passkeys/`);
    expect(await page.isVisible('text=Passkeys need JavaScript')).toBe(true);
    expect(await page.isVisible('#passkey-add')).toBe(false);
    await context.close();
  }, 60_000);
});

import { chromium } from 'playwright-core';
import { it } from 'vitest';
import { startListeningApp } from '../support/server.js';
it('probe docs', async () => {
  const server = await startListeningApp('sqlite');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
    await page.addInitScript(() => { new MutationObserver((ms) => { for (const m of ms) for (const n of m.addedNodes) { if (n.nodeName.toLowerCase() === 'style' || (n as Element).querySelector?.('style')) console.log('STYLEADD', (n as Element).outerHTML.slice(0, 600), (n as Element).parentElement?.tagName); } }).observe(document, { childList: true, subtree: true }); document.addEventListener('securitypolicyviolation', (e) => { const el = e.target as Element; console.log('VIOLATION', e.violatedDirective, e.effectiveDirective, e.blockedURI, e.sample, el && el.outerHTML ? el.outerHTML.slice(0, 300) : String(el)); }); });
    await page.goto(`${server.origin}/api/docs`);
    await page.waitForSelector('.opblock', { timeout: 15000 }).catch(() => messages.push('no opblock'));
    await page.click('.opblock-summary').catch(() => {});
    await page.waitForTimeout(1000);
    console.log(messages.join('\n'));
    console.log('STYLES', JSON.stringify(await page.evaluate(() => [...document.querySelectorAll('style')].map((e) => [e.parentElement?.tagName, e.textContent?.slice(0, 300), e.textContent?.length]))));
    console.log(await page.evaluate(() => document.body.innerText.slice(0, 1500)));
  } finally { await browser.close(); await server.close(); }
}, 60000);

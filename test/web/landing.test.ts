import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { decodeEntities } from '../support/assertions.js';

/** The visible text of the page's <h1> (the rest of the page holds random ids and tokens). */
function heading(html: string): string {
  return decodeEntities(/<h1>(.*?)<\/h1>/s.exec(html)?.[1] ?? '');
}

describe('landing page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('greets by name', async () => {
    const res = await t.app.inject({ url: '/?name=Ada' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('Hello, Ada!');
  });

  it('welcomes without a name', async () => {
    const res = await t.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(heading(res.body)).toBe('Welcome to photovault');
  });

  it('decodes + and %20 as spaces and keeps unicode', async () => {
    expect(heading((await t.app.inject({ url: '/?name=Ada+Lovelace' })).body)).toBe('Hello, Ada Lovelace!');
    expect(heading((await t.app.inject({ url: `/?name=${encodeURIComponent('Zoë 🐟')}` })).body)).toBe('Hello, Zoë 🐟!');
  });

  it('shows template syntax as text, never evaluated', async () => {
    const res = await t.app.inject({ url: `/?name=${encodeURIComponent('{{7*6}}')}` });
    expect(res.body).toContain('Hello, {{7*6}}!');
    // Only the greeting: the footer's random request id may contain the digits 42.
    expect(heading(res.body)).toBe('Hello, {{7*6}}!');
    expect(heading(res.body)).not.toContain('42');
  });

  it('caps a long name at 100 characters', async () => {
    const res = await t.app.inject({ url: `/?name=${'x'.repeat(500)}` });
    expect(res.statusCode).toBe(200);
    expect(heading(res.body)).toBe(`Hello, ${'x'.repeat(100)}!`);
  });

  it('an empty name is still a greeting, not an error', async () => {
    const res = await t.app.inject({ url: '/?name=' });
    expect(res.statusCode).toBe(200);
  });

  it('works without JavaScript: plain links and no inline script', async () => {
    const res = await t.app.inject({ url: '/' });
    expect(res.body).toContain('href="/accounts/signup/"');
    expect(res.body).toContain('href="/accounts/login/"');
    expect(res.body).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(res.body).toContain('<link rel="stylesheet" href="/static/app.css"/>');
  });
});

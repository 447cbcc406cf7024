import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';

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

  it('shows template syntax as text, never evaluated', async () => {
    const res = await t.app.inject({ url: `/?name=${encodeURIComponent('{{7*6}}')}` });
    expect(res.body).toContain('Hello, {{7*6}}!');
    expect(res.body).not.toContain('42');
  });
});

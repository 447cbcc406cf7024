import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';

describe('state-changing methods on routes that do not exist', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { MODERATION_ENABLED: 'false' });
  });
  afterAll(() => t.close());

  it('answer 404 (not a CSRF refusal), with headers and no stack trace', async () => {
    for (const [method, url] of [['DELETE', '/'], ['PUT', '/photos/'], ['PATCH', '/accounts/login/'], ['POST', '/nope'], ['DELETE', '/api/v1/nope']] as const) {
      const response = await t.app.inject({ method, url, headers: { origin: 'https://evil.example' } });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.body).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { smallJpeg, uploadProcessed } from '../support/photos.js';

// The real nsfwjs model (shipped inside its npm package) classifies every photo. A plain colour
// field scores ~0.02-0.03 on the explicit classes: far below the default threshold (0.7) and
// above 0.01, which makes both outcomes reproducible without shipping explicit test images.
describe('moderation by the local model', () => {
  let strict: TestApp;
  let normal: TestApp;

  beforeAll(async () => {
    [strict, normal] = await Promise.all([createTestApp('sqlite', { MODERATION_THRESHOLD: '0.01' }), createTestApp('sqlite')]);
  }, 120_000);
  afterAll(async () => {
    await strict.close();
    await normal.close();
  });

  it('holds a flagged photo for review: visible to its owner with that status, to nobody else', async () => {
    const owner = new TestClient(strict.app);
    await owner.signupAndLogin('held_owner');
    const id = await uploadProcessed(strict, owner, await smallJpeg(128, 128, '#e0ac69'));
    const status = (await owner.get(`/photos/${id}/status/`)).json() as { status: string; detail: string };
    expect(status.status).toBe('held');
    expect(status.detail).toMatch(/Held for review/);
    const page = await owner.get(`/photos/${id}/`);
    expect(page.body).toContain('Status: Held for review');
    expect((await owner.get(`/photos/${id}/media/display.jpg`)).statusCode).toBe(200);

    const other = new TestClient(strict.app);
    await other.signupAndLogin('held_other');
    expect((await other.get(`/photos/${id}/`)).statusCode).toBe(404);
    expect((await other.get(`/photos/${id}/media/display.jpg`)).statusCode).toBe(404);
  }, 60_000);

  it('publishes the same photo under the default threshold', async () => {
    const owner = new TestClient(normal.app);
    await owner.signupAndLogin('ready_owner');
    const id = await uploadProcessed(normal, owner, await smallJpeg(128, 128, '#e0ac69'));
    expect(((await owner.get(`/photos/${id}/status/`)).json() as { status: string }).status).toBe('ready');
  }, 60_000);
});

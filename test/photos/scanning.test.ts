import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { CLAMD_SKIP_MESSAGE, clamdInstalled, findFreePort, PLANTED_SIGNATURE_BYTES, startClamd, type RunningClamd } from '../support/clamd.js';
import { TestClient } from '../support/client.js';
import { photoIdFrom, smallJpeg, uploadForm } from '../support/photos.js';
import { describeWith } from '../support/requirements.js';

// A real clamd from Debian's clamav-daemon with a signature database written by the test.
describeWith(clamdInstalled ? null : CLAMD_SKIP_MESSAGE, 'uploads scanned by a real ClamAV daemon', () => {
  let t: TestApp;
  let alice: TestClient;
  let clamd: RunningClamd | undefined;
  let port: number;

  const statusOf = async (id: string) => ((await alice.get(`/photos/${id}/status/`)).json() as { status: string }).status;

  beforeAll(async () => {
    port = await findFreePort();
    t = await createTestApp('sqlite', { CLAMAV_HOST: '127.0.0.1', CLAMAV_PORT: String(port), CLAMAV_TIMEOUT_MS: '2000', MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_scan');
  });
  afterAll(async () => {
    await clamd?.stop();
    await t.close();
  });

  it('fails closed: with the scanner down, the photo is held as pending_scan and never served; it is scanned once clamd is back', async () => {
    // The scanner is informational for readiness: the instance still serves pages while it is down.
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ dependencies: { scanner: 'unavailable' } });

    const id = photoIdFrom((await uploadForm(alice, await smallJpeg())).headers.location);
    await t.app.jobWorker.drain();
    expect(await statusOf(id)).toBe('pending_scan');
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
    expect((await alice.get(`/photos/${id}/`)).body).toContain('Waiting for the malware scanner');

    clamd = await startClamd({ port });
    expect((await t.app.inject({ url: '/readyz' })).json()).toMatchObject({ dependencies: { scanner: 'available' } });
    // The retry is scheduled 30 s out; bring it forward instead of waiting.
    await t.app.jobWorker.runDueNow();
    await t.app.jobWorker.drain();
    expect(await statusOf(id)).toBe('ready');
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
  });

  it('rejects a photo matching a ClamAV signature', async () => {
    const infected = Buffer.concat([await smallJpeg(), Buffer.from(PLANTED_SIGNATURE_BYTES)]);
    const id = photoIdFrom((await uploadForm(alice, infected)).headers.location);
    await t.app.jobWorker.drain();
    expect(await statusOf(id)).toBe('rejected');
    expect((await alice.get(`/photos/${id}/status/`)).json()).toMatchObject({ detail: expect.stringMatching(/malware/) });
    expect((await alice.get(`/photos/${id}/media/original`)).statusCode).toBe(404);
  });

  it('passes a clean photo', async () => {
    const id = photoIdFrom((await uploadForm(alice, await smallJpeg(100, 100, '#a33'))).headers.location);
    await t.app.jobWorker.drain();
    expect(await statusOf(id)).toBe('ready');
  });
});

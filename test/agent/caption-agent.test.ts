import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captionJobId } from '../../src/agent/caption-agent.js';
import { CAPTION_MAX } from '../../src/agent/caption-text.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { captionReply, startFakeOpenAiServer, type FakeOpenAiServer } from '../support/fake-openai-server.js';
import { smallJpeg, uploadProcessed } from '../support/photos.js';

const API_KEY = 'sk-caption-test-7f3a91c2';
const DEFAULT_REPLY = captionReply('A blue rectangle on a plain background.', 'Blue hour');

describe.each(DIALECTS)('caption agent (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let model: FakeOpenAiServer;

  const photoRow = (id: string) => t.db.selectFrom('photos').select(['status', 'alt_text', 'caption']).where('id', '=', id).executeTakeFirstOrThrow();
  const captionJob = (id: string) => t.db.selectFrom('jobs').selectAll().where('photo_id', '=', id).where('kind', '=', 'caption_photo').executeTakeFirst();
  /** Runs the queue, making backed-off retries due at once, until `settled` holds. */
  const runJobsUntil = async (settled: () => Promise<boolean>) => {
    for (let round = 0; round < 12; round++) {
      await t.app.jobWorker.drain();
      if (await settled()) return;
      await t.app.jobWorker.runDueNow();
    }
    throw new Error('the job queue did not settle');
  };
  const jobFinished = (id: string) => async () => ['done', 'failed'].includes((await captionJob(id))?.status ?? '');

  beforeAll(async () => {
    model = await startFakeOpenAiServer(DEFAULT_REPLY);
    t = await createTestApp(dialect, {
      MODERATION_ENABLED: 'false',
      CAPTION_MODEL: 'vision-test',
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: API_KEY,
      CAPTION_TIMEOUT_MS: '300',
    });
    alice = new TestClient(t.app);
    await alice.signupAndLogin(`alice_cap_${dialect}`);
  });
  beforeEach(() => {
    model.requests.length = 0;
    model.fallback = DEFAULT_REPLY;
  });
  afterAll(async () => {
    await t.close();
    await model.close();
  });

  it('describes a photo that becomes ready, from its display-size JPEG', async () => {
    const id = await uploadProcessed(t, alice, await smallJpeg(640, 480));
    await runJobsUntil(jobFinished(id));
    expect(await photoRow(id)).toEqual({ status: 'ready', alt_text: 'A blue rectangle on a plain background.', caption: 'Blue hour' });
    expect(model.requests).toHaveLength(1);
    const display = (await alice.get(`/photos/${id}/media/display.jpg`)).rawPayload;
    const sent = JSON.stringify(model.requests[0]?.body.messages);
    expect(sent).toContain(`data:image/jpeg;base64,${display.toString('base64')}`);
    expect(model.requests[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const page = await alice.get(`/photos/${id}/`);
    expect(page.body).toContain('alt="A blue rectangle on a plain background."');
    expect(page.body).toContain('<figcaption>Blue hour</figcaption>');
  });

  it('stores hostile model output as inert, length-limited text and shows it escaped', async () => {
    model.enqueue(captionReply('<script>alert("pwned")</script>\u202e\u0007 "><img src=x onerror=alert(1)>', `${'long caption '.repeat(100)}<b>bold</b>`));
    const id = await uploadProcessed(t, alice);
    await runJobsUntil(jobFinished(id));
    const row = await photoRow(id);
    expect(row.alt_text).toBe('<script>alert("pwned")</script> "><img src=x onerror=alert(1)>');
    expect([...row.caption].length).toBeLessThanOrEqual(CAPTION_MAX);
    const page = (await alice.get(`/photos/${id}/`)).body;
    expect(page).not.toContain('<script>alert("pwned")');
    expect(page).not.toContain('<img src=x');
    expect(page).toContain('&lt;script>alert(&quot;pwned&quot;)&lt;/script>');
  });

  it('never overwrites what the owner wrote, even while the model was failing', async () => {
    model.enqueue({ kind: 'status', status: 503 });
    const id = await uploadProcessed(t, alice);
    expect(await photoRow(id)).toMatchObject({ status: 'ready', alt_text: '', caption: '' });
    const edit = await alice.submit(`/photos/${id}/`, { title: '', alt_text: 'Our old boat, before the storm.', caption: '' }, `/photos/${id}/edit/`);
    expect(edit.statusCode).toBe(303);
    await runJobsUntil(jobFinished(id));
    expect(await photoRow(id)).toEqual({ status: 'ready', alt_text: 'Our old boat, before the storm.', caption: 'Blue hour' });
  });

  it('does not call the model when the owner has already written both texts', async () => {
    model.enqueue({ kind: 'status', status: 503 });
    const id = await uploadProcessed(t, alice);
    await alice.submit(`/photos/${id}/`, { title: '', alt_text: 'Mine', caption: 'Also mine' }, `/photos/${id}/edit/`);
    await runJobsUntil(jobFinished(id));
    expect(model.requests).toHaveLength(1);
    expect(await photoRow(id)).toMatchObject({ alt_text: 'Mine', caption: 'Also mine' });
  });

  it('waits out a 5xx, a 429 and a timeout without spending attempts, never holding the photo back', async () => {
    model.enqueue({ kind: 'status', status: 500 }, { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, { kind: 'hang', ms: 3000 });
    const id = await uploadProcessed(t, alice);
    // The photo is published while the agent is still failing.
    expect((await alice.get(`/photos/${id}/status/`)).json()).toMatchObject({ status: 'ready', final: true });
    const afterFirst = await captionJob(id);
    expect(afterFirst).toMatchObject({ status: 'queued', attempts: 0, last_error: 'caption model unavailable: the model answered HTTP 500' });
    expect(afterFirst!.run_at).toBeGreaterThan(Date.now());
    await runJobsUntil(jobFinished(id));
    expect(model.requests).toHaveLength(4);
    expect(await captionJob(id)).toMatchObject({ status: 'done', attempts: 1 });
    expect(await photoRow(id)).toMatchObject({ status: 'ready', alt_text: 'A blue rectangle on a plain background.' });
  });

  it('waits for a model that is down for many rounds, and gives up only after three days', async () => {
    model.fallback = { kind: 'status', status: 503 };
    try {
      const id = await uploadProcessed(t, alice);
      for (let round = 0; round < 8; round++) {
        await t.app.jobWorker.drain();
        await t.app.jobWorker.runDueNow();
      }
      await t.app.jobWorker.drain();
      // Eight rounds (more than the five attempts a job has) and still waiting, no attempt spent.
      expect(await captionJob(id)).toMatchObject({ status: 'queued', attempts: 0 });
      expect(model.requests.length).toBeGreaterThanOrEqual(8);
      // Three days later (the job's age is what counts), the next refusal ends it.
      await t.db.updateTable('jobs').set({ created_at: Date.now() - 3 * 24 * 60 * 60_000 - 60_000 }).where('id', '=', captionJobId(id)).execute();
      await runJobsUntil(jobFinished(id));
      expect(await captionJob(id)).toMatchObject({ status: 'failed', attempts: 1 });
      expect((await captionJob(id))!.last_error).toMatch(/^caption model unavailable for three days/);
      expect(await photoRow(id)).toEqual({ status: 'ready', alt_text: '', caption: '' });
    } finally {
      model.fallback = DEFAULT_REPLY;
    }
  });

  it('does not retry a request the model refuses', async () => {
    model.enqueue({ kind: 'status', status: 400 });
    const id = await uploadProcessed(t, alice);
    await runJobsUntil(jobFinished(id));
    await t.app.jobWorker.runDueNow();
    await t.app.jobWorker.drain();
    expect(await captionJob(id)).toMatchObject({ status: 'done', attempts: 1 });
    expect(model.requests).toHaveLength(1);
    expect(await photoRow(id)).toMatchObject({ status: 'ready', alt_text: '', caption: '' });
  });

  it('does not describe a photo that was deleted before its turn', async () => {
    model.enqueue({ kind: 'status', status: 503 });
    const id = await uploadProcessed(t, alice);
    expect((await alice.submit(`/photos/${id}/`, {}, `/photos/${id}/delete/`)).statusCode).toBe(303);
    // The job goes with the photo (or finds it gone): either way the model is not asked again.
    await runJobsUntil(async () => (await captionJob(id)) === undefined || (await jobFinished(id)()));
    expect(model.requests).toHaveLength(1);
  });
});

describe.each(DIALECTS)('caption agent switched off (%s)', (dialect) => {
  it('queues no caption job when CAPTION_MODEL is unset', async () => {
    const t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    try {
      const alice = new TestClient(t.app);
      await alice.signupAndLogin(`alice_nocap_${dialect}`);
      const id = await uploadProcessed(t, alice);
      const jobs = await t.db.selectFrom('jobs').select(['kind', 'status']).where('photo_id', '=', id).execute();
      expect(jobs).toEqual([{ kind: 'process_photo', status: 'done' }]);
    } finally {
      await t.close();
    }
  });
});

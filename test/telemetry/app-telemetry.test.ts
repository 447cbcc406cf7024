import { SpanKind } from '@opentelemetry/api';
import type { metrics as sdkMetrics, tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTraceParent } from '../../src/telemetry/trace-parent.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { captionReply, startFakeOpenAiServer, type FakeOpenAiServer } from '../support/fake-openai-server.js';
import { PLAIN_TEXT } from '../support/images.js';
import { photoIdFrom, smallJpeg, uploadForm } from '../support/photos.js';
import { startInMemoryTelemetry, type InMemoryTelemetry } from './in-memory-telemetry.js';

const PIPELINE_SPANS = ['photo.validate', 'photo.scan', 'photo.transform', 'photo.moderate', 'photo.store', 'photo.caption'];

let telemetry: InMemoryTelemetry;
beforeAll(() => {
  telemetry = startInMemoryTelemetry();
});
afterAll(() => telemetry.stop());

/** Sum of the points of `name` whose attributes include `match` (histograms: their counts). */
function total(data: sdkMetrics.MetricData[], name: string, match: Record<string, unknown> = {}): number {
  const metric = data.find((m) => m.descriptor.name === name);
  let sum = 0;
  for (const point of metric?.dataPoints ?? []) {
    if (!Object.entries(match).every(([key, value]) => point.attributes[key] === value)) continue;
    const value = point.value as number | { count: number };
    sum += typeof value === 'number' ? value : value.count;
  }
  return sum;
}

describe.each(DIALECTS)('telemetry recorded by the app (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let model: FakeOpenAiServer;

  beforeAll(async () => {
    model = await startFakeOpenAiServer(captionReply('A blue square.', 'Blue'));
    t = await createTestApp(dialect, {
      MODERATION_ENABLED: 'false',
      CAPTION_MODEL: 'vision-test',
      OPENAI_BASE_URL: model.baseUrl,
      OPENAI_API_KEY: 'sk-test',
      LOGIN_ACCOUNT_MAX_FAILURES: '1',
    });
    alice = new TestClient(t.app);
    await alice.signupAndLogin(`alice_tel_${dialect}`);
  });
  afterAll(async () => {
    await t.close();
    await model.close();
  });

  it('joins the upload request, every pipeline step and the caption agent in one trace', async () => {
    telemetry.spans.reset();
    const jpeg = await smallJpeg(320, 240);
    const response = await uploadForm(alice, jpeg);
    // The server span the app made for the upload request: the trace every later step joins.
    const requestSpan = telemetry.spans.getFinishedSpans().find((s) => s.name === 'POST /photos/upload/' && s.kind === SpanKind.SERVER);
    expect(requestSpan?.attributes['http.response.status_code']).toBe(303);
    const traceParent = formatTraceParent(requestSpan!.spanContext());
    const id = photoIdFrom(response.headers.location);
    await t.app.jobWorker.drain();

    const row = await t.db.selectFrom('photos').select(['trace_parent', 'alt_text']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ trace_parent: traceParent, alt_text: 'A blue square.' });
    const traceId = traceParent.split('-')[1];
    const spans = telemetry.spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const names = spans.map((s) => s.name);
    for (const name of [...PIPELINE_SPANS, 'job process_photo', 'job caption_photo']) expect(names).toContain(name);

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: tracing.ReadableSpan) => byId.get(s.parentSpanContext?.spanId ?? '');
    const named = (name: string) => spans.find((s) => s.name === name)!;
    // Every span hangs off the request span: one connected trace, however late the job ran.
    for (const span of spans) {
      let cursor: tracing.ReadableSpan | undefined = span;
      while (cursor && cursor.name !== 'POST /photos/upload/') cursor = parentOf(cursor);
      expect(cursor?.name, span.name).toBe('POST /photos/upload/');
    }
    for (const step of PIPELINE_SPANS.slice(0, 5)) expect(parentOf(named(step))?.name).toBe('job process_photo');
    expect(parentOf(named('job caption_photo'))?.name).toBe('job process_photo');
    expect(parentOf(named('photo.caption'))?.name).toBe('job caption_photo');
    if (dialect === 'sqlite') expect(names).toContain('UPDATE photos');
  });

  it('counts upload outcomes, refused logins, lockouts, CSRF rejections and throttled requests', async () => {
    const before = await telemetry.collectMetrics();
    await uploadForm(alice, await smallJpeg());
    const refused = await uploadForm(alice, Buffer.from(PLAIN_TEXT), { filename: 'notes.txt', contentType: 'text/plain' });
    expect(refused.statusCode).toBe(415);
    await t.app.jobWorker.drain();

    const mallory = new TestClient(t.app);
    mallory.remoteAddress = '198.51.100.7';
    expect((await mallory.login(`alice_tel_${dialect}`, 'wrong-password-123456')).statusCode).toBe(401);
    expect((await mallory.login(`alice_tel_${dialect}`, 'wrong-password-123456')).statusCode).toBe(429);
    const forged = await mallory.post('/accounts/logout/', {}, { origin: 'https://evil.example' });
    expect(forged.statusCode).toBe(403);

    const after = await telemetry.collectMetrics();
    const delta = (name: string, match: Record<string, unknown> = {}) => total(after, name, match) - total(before, name, match);
    expect(delta('photovault.uploads', { outcome: 'accepted' })).toBe(1);
    expect(delta('photovault.uploads', { outcome: 'rejected_type' })).toBe(1);
    expect(delta('photovault.auth.failures', { 'auth.method': 'password', reason: 'invalid_credentials' })).toBe(1);
    expect(delta('photovault.auth.failures', { 'auth.method': 'password', reason: 'throttled' })).toBe(1);
    expect(delta('photovault.throttled', { 'http.route': '/accounts/login/' })).toBe(1);
    expect(delta('photovault.csrf.rejections', { reason: 'cross_origin_request_origin' })).toBe(1);
    expect(delta('photovault.pipeline.step.duration', { step: 'transform' })).toBe(1);
    expect(delta('photovault.pipeline.step.duration', { step: 'caption' })).toBe(1);
    expect(delta('photovault.scan.duration', { scanner: 'builtin', outcome: 'clean' })).toBe(1);
    expect(delta('photovault.captions', { outcome: 'stored' })).toBe(1);
  });

  it('reports the job queue depth per kind, 0 once drained', async () => {
    await t.app.jobWorker.drain();
    const data = await telemetry.collectMetrics();
    const depth = data.find((m) => m.descriptor.name === 'photovault.job.queue.depth');
    const kinds = Object.fromEntries((depth?.dataPoints ?? []).map((p) => [p.attributes['job.kind'], p.value]));
    expect(kinds).toMatchObject({ process_photo: 0, caption_photo: 0 });
  });
});

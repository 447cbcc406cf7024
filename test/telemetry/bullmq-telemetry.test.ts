import { SpanKind } from '@opentelemetry/api';
import type { tracing } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatTraceParent } from '../../src/telemetry/trace-parent.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { photoIdFrom, smallJpeg, uploadForm } from '../support/photos.js';
import { deleteKeys, redisMissing, TEST_REDIS_URL, testKeyPrefix } from '../support/redis.js';
import { describeWith } from '../support/requirements.js';
import { startInMemoryTelemetry, type InMemoryTelemetry } from './in-memory-telemetry.js';

const REDIS_MISSING = await redisMissing();

describeWith(REDIS_MISSING, 'telemetry with jobs on BullMQ (REDIS_URL)', () => {
  let telemetry: InMemoryTelemetry;
  let t: TestApp;
  let alice: TestClient;
  const prefix = testKeyPrefix();

  beforeAll(async () => {
    telemetry = startInMemoryTelemetry();
    t = await createTestApp('sqlite', { MODERATION_ENABLED: 'false', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_bullmq_tel');
  });
  afterAll(async () => {
    await t.close();
    await deleteKeys(prefix);
    await telemetry.stop();
  });

  it("joins BullMQ's spans and the job's own to the upload request's trace", async () => {
    telemetry.spans.reset();
    const response = await uploadForm(alice, await smallJpeg(320, 240));
    const requestSpan = telemetry.spans.getFinishedSpans().find((s) => s.name === 'POST /photos/upload/' && s.kind === SpanKind.SERVER);
    expect(requestSpan?.attributes['http.response.status_code']).toBe(303);
    photoIdFrom(response.headers.location);
    await t.app.jobWorker.drain();

    const traceId = requestSpan!.spanContext().traceId;
    const spans = telemetry.spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const names = spans.map((s) => s.name);
    expect(names).toContain('job process_photo');
    expect(names).toContain('photo.store');
    // bullmq-otel's producer span (the add, inside the request) and consumer span (the worker's run).
    const producer = spans.find((s) => s.kind === SpanKind.PRODUCER && s.name.includes('process_photo'));
    const consumer = spans.find((s) => s.kind === SpanKind.CONSUMER && s.name.includes('process_photo') && s.name !== 'job process_photo');
    expect(producer, names.join(', ')).toBeDefined();
    expect(consumer, names.join(', ')).toBeDefined();
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: tracing.ReadableSpan) => byId.get(s.parentSpanContext?.spanId ?? '');
    for (const span of [producer!, consumer!, spans.find((s) => s.name === 'job process_photo')!]) {
      let cursor: tracing.ReadableSpan | undefined = span;
      while (cursor && cursor !== requestSpan) cursor = parentOf(cursor);
      expect(cursor?.name, span.name).toBe('POST /photos/upload/');
    }
    expect((await t.db.selectFrom('photos').select('trace_parent').executeTakeFirstOrThrow()).trace_parent).toBe(formatTraceParent(requestSpan!.spanContext()));
  });

  it('reports the BullMQ queue depth per kind, 0 once drained', async () => {
    await t.app.jobWorker.drain();
    const data = await telemetry.collectMetrics();
    const depth = data.find((m) => m.descriptor.name === 'photovault.job.queue.depth');
    const kinds = Object.fromEntries((depth?.dataPoints ?? []).map((p) => [p.attributes['job.kind'], p.value]));
    expect(kinds).toMatchObject({ process_photo: 0, caption_photo: 0, housekeeping: 0 });
  });
});

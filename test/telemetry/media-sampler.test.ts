import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import type { metrics as sdkMetrics } from '@opentelemetry/sdk-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { isMediaRead, mediaReadSampler } from '../../src/telemetry/media-sampler.js';
import { defaultSamplerFor } from '../../src/telemetry/start-sdk.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { uploadProcessed } from '../support/photos.js';
import { startInMemoryTelemetry, type InMemoryTelemetry } from './in-memory-telemetry.js';

describe('isMediaRead', () => {
  const server = (route: string, method = 'GET') => isMediaRead(SpanKind.SERVER, { 'http.route': route, 'http.request.method': method });

  it('matches GET and HEAD of every photo-variant route', () => {
    for (const route of ['/photos/:id/media/:variant', '/s/:token/media/:variant', '/s/:token/photos/:photoId/media/:variant', '/api/v1/photos/:id/media/:variant', '/admin/moderation/:id/media/:variant']) {
      expect(server(route), route).toBe(true);
      expect(server(route, 'HEAD'), route).toBe(true);
    }
  });

  it('leaves pages, other methods, unrouted requests and client spans to the default', () => {
    expect(server('/photos/:id/')).toBe(false);
    expect(server('/photos/')).toBe(false);
    expect(server('/photos/:id/media/:variant', 'POST')).toBe(false);
    expect(server('/photos/:id/media/:variant', 'DELETE')).toBe(false);
    expect(isMediaRead(SpanKind.SERVER, { 'http.request.method': 'GET' })).toBe(false);
    expect(isMediaRead(SpanKind.CLIENT, { 'http.route': '/photos/:id/media/:variant', 'http.request.method': 'GET' })).toBe(false);
    // Attributes of the wrong type (never from the app, but the sampler must not throw on them).
    expect(isMediaRead(SpanKind.SERVER, { 'http.route': 42, 'http.request.method': 'GET' })).toBe(false);
  });
});

describe('mediaReadSampler', () => {
  const traceId = () => randomBytes(16).toString('hex');
  const media = { 'http.route': '/photos/:id/media/:variant', 'http.request.method': 'GET' };

  it('keeps about `ratio` of media GETs and every other span', () => {
    const sampler = mediaReadSampler(0.25);
    let kept = 0;
    for (let i = 0; i < 4000; i++) if (sampler.shouldSample(ROOT_CONTEXT, traceId(), 'GET', SpanKind.SERVER, media, []).decision !== 0) kept++;
    expect(kept).toBeGreaterThan(800);
    expect(kept).toBeLessThan(1200);
    for (let i = 0; i < 200; i++) {
      expect(sampler.shouldSample(ROOT_CONTEXT, traceId(), 'GET /photos/', SpanKind.SERVER, { 'http.route': '/photos/', 'http.request.method': 'GET' }, []).decision).not.toBe(0);
      expect(sampler.shouldSample(ROOT_CONTEXT, traceId(), 'job', SpanKind.CONSUMER, {}, []).decision).not.toBe(0);
    }
  });
});

describe('the sampler the SDK starts with (defaultSamplerFor)', () => {
  const traceId = () => randomBytes(16).toString('hex');
  const media = { 'http.route': '/photos/:id/media/:variant', 'http.request.method': 'GET' };
  const underParent = (flags: TraceFlags) => trace.setSpanContext(ROOT_CONTEXT, { traceId: traceId(), spanId: randomBytes(8).toString('hex'), traceFlags: flags, isRemote: true });
  const decide = (env: Record<string, string>, context = ROOT_CONTEXT) => defaultSamplerFor(env)!.shouldSample(context, traceId(), 'GET', SpanKind.SERVER, media, []).decision;

  it('follows a caller’s traceparent either way: sampled at ratio 0, unsampled at ratio 1', () => {
    for (let i = 0; i < 50; i++) {
      expect(decide({ MEDIA_TRACES_SAMPLE_RATIO: '0' }, underParent(TraceFlags.SAMPLED))).not.toBe(0);
      expect(decide({ MEDIA_TRACES_SAMPLE_RATIO: '1' }, underParent(TraceFlags.NONE))).toBe(0);
      expect(decide({ MEDIA_TRACES_SAMPLE_RATIO: '0' })).toBe(0);
      expect(decide({ MEDIA_TRACES_SAMPLE_RATIO: '1' })).not.toBe(0);
    }
  });

  it('steps aside when OTEL_TRACES_SAMPLER is set, even beside a bad ratio, and refuses a bad ratio otherwise', () => {
    expect(defaultSamplerFor({ OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
    expect(defaultSamplerFor({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', MEDIA_TRACES_SAMPLE_RATIO: 'junk' })).toBeUndefined();
    for (const bad of ['2', '-1', 'half', '0x1']) expect(() => defaultSamplerFor({ MEDIA_TRACES_SAMPLE_RATIO: bad }), bad).toThrow(/MEDIA_TRACES_SAMPLE_RATIO/);
  });
});

describe('MEDIA_TRACES_SAMPLE_RATIO', () => {
  it('defaults to 1% and accepts 0 to 1', () => {
    expect(loadConfig({}).mediaTracesSampleRatio).toBe(0.01);
    expect(loadConfig({ MEDIA_TRACES_SAMPLE_RATIO: '0' }).mediaTracesSampleRatio).toBe(0);
    expect(loadConfig({ MEDIA_TRACES_SAMPLE_RATIO: '1' }).mediaTracesSampleRatio).toBe(1);
  });

  it('refuses anything else, naming the variable', () => {
    for (const bad of ['1.5', '-0.1', 'all', '1e-2', 'NaN', '0.5%']) {
      expect(() => loadConfig({ MEDIA_TRACES_SAMPLE_RATIO: bad }), bad).toThrow(/MEDIA_TRACES_SAMPLE_RATIO/);
    }
  });
});

describe('an app traced with the media sampler at 0', () => {
  let telemetry: InMemoryTelemetry;
  let t: TestApp;
  let alice: TestClient;
  let id: string;

  beforeAll(async () => {
    telemetry = startInMemoryTelemetry({ sampler: mediaReadSampler(0) });
    t = await createTestApp('sqlite', { MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_media_sampling');
    id = await uploadProcessed(t, alice);
  });
  afterAll(async () => {
    await t.close();
    await telemetry.stop();
  });

  const spans = () => telemetry.spans.getFinishedSpans();
  const durationCount = async (route: string) => {
    const data: sdkMetrics.MetricData[] = await telemetry.collectMetrics();
    const points = data.find((m) => m.descriptor.name === 'http.server.request.duration')?.dataPoints ?? [];
    return points.filter((p) => p.attributes['http.route'] === route).reduce((sum, p) => sum + (p.value as { count: number }).count, 0);
  };

  it('records no span for a thumbnail, not even its session query, but counts it in the duration metric', async () => {
    const before = await durationCount('/photos/:id/media/:variant');
    telemetry.spans.reset();
    const response = await alice.get(`/photos/${id}/media/thumb.jpg`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(spans()).toEqual([]);
    expect(await durationCount('/photos/:id/media/:variant')).toBe(before + 1);
  });

  it('still traces the pages around it, with their queries and every attribute', async () => {
    telemetry.spans.reset();
    expect((await alice.get(`/photos/${id}/`)).statusCode).toBe(200);
    const server = spans().find((span) => span.kind === SpanKind.SERVER);
    expect(server?.name).toBe('GET /photos/:id/');
    expect(server?.attributes).toMatchObject({ 'url.path': `/photos/${id}/`, 'server.address': 'localhost', 'client.address': '127.0.0.1' });
    expect(spans().some((span) => span.kind === SpanKind.CLIENT && span.attributes['db.system.name'] === 'sqlite')).toBe(true);
  });

  it('traces a media GET whose caller sampled its trace (a traceparent with the sampled flag)', async () => {
    const traceId = randomBytes(16).toString('hex');
    telemetry.spans.reset();
    await alice.get(`/photos/${id}/media/thumb.jpg`, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` });
    const server = spans().find((span) => span.kind === SpanKind.SERVER);
    expect(server?.spanContext().traceId).toBe(traceId);
    expect(server?.attributes['url.path']).toBe(`/photos/${id}/media/thumb.jpg`);
  });

  it('still refuses another user’s thumbnail and a forged one, untraced', async () => {
    const bob = new TestClient(t.app);
    await bob.signupAndLogin('bob_media_sampling');
    telemetry.spans.reset();
    expect((await bob.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
    expect((await alice.get(`/photos/${id}/media/..%2f..%2fetc%2fpasswd`)).statusCode).toBe(404);
    expect((await new TestClient(t.app).get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(303);
    expect(spans().filter((span) => span.kind === SpanKind.SERVER)).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { Dialect } from '../support/databases.js';
import { FAKE_USAGE } from '../support/fake-openai-server.js';
import type { ReceivedMetric, ReceivedSpan } from '../support/otlp-receiver.js';
import { dashboardQueries } from './dashboard-queries.js';
import { prometheusLabelName, prometheusSeriesNames } from './prometheus-names.js';
import { referencesOf } from './promql-references.js';
import { ALT_TEXT, MODEL, runUploadScenario, type ScenarioResult } from './upload-scenario.js';

const PIPELINE_STEPS = ['photo.validate', 'photo.scan', 'photo.transform', 'photo.moderate', 'photo.store', 'photo.caption'];
const SPAN_KIND = { internal: 1, server: 2, client: 3, consumer: 5 } as const;
const CONTENT_TYPES = { 'http/json': 'application/json', 'http/protobuf': 'application/x-protobuf' } as const;

// The real server in a child process, once per protocol; PostgreSQL on one run covers the pg instrumentation.
describe.each([
  { protocol: 'http/json', dialect: 'sqlite' },
  { protocol: 'http/protobuf', dialect: 'postgres' },
] as const)('telemetry exported over OTLP $protocol ($dialect)', ({ protocol, dialect }: { protocol: keyof typeof CONTENT_TYPES; dialect: Dialect }) => {
  let run: ScenarioResult;
  let uploadTrace: ReceivedSpan[];
  let uploadSpan: ReceivedSpan;

  const named = (name: string) => uploadTrace.find((s) => s.name === name);
  const parentOf = (span: ReceivedSpan | undefined) => uploadTrace.find((s) => s.spanId === span?.parentSpanId);
  const metric = (name: string): ReceivedMetric => {
    // Cumulative temporality: the last export holds the totals.
    const exports = run.metrics.filter((m) => m.name === name);
    expect(exports.length, `metric ${name} was exported`).toBeGreaterThan(0);
    return exports.at(-1)!;
  };
  const pointValue = (m: ReceivedMetric, match: Record<string, unknown>) =>
    m.points.filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v)).reduce((sum, p) => sum + (p.value ?? p.count ?? 0), 0);

  beforeAll(async () => {
    run = await runUploadScenario(protocol, dialect);
    uploadSpan = run.spans.find((s) => s.name === 'POST /photos/upload/')!;
    uploadTrace = run.spans.filter((s) => s.traceId === uploadSpan?.traceId);
  }, 90_000);

  it(`sends every signal with ${protocol} and stops cleanly`, () => {
    expect(run.exitCode).toBe(0);
    expect([...run.signals].sort()).toEqual(['logs', 'metrics', 'traces']);
    expect([...run.contentTypes]).toEqual([CONTENT_TYPES[protocol]]);
    expect(uploadSpan.resource).toMatchObject({ 'service.name': 'photovault', 'deployment.environment.name': 'test' });
  });

  it('makes one HTTP server span per request, named by its route', () => {
    expect(uploadSpan.kind).toBe(SPAN_KIND.server);
    expect(uploadSpan.parentSpanId).toBe('');
    expect(uploadSpan.attributes).toMatchObject({ 'http.route': '/photos/upload/', 'http.request.method': 'POST', 'http.response.status_code': 303 });
    expect(uploadSpan.attributes['photovault.request.id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.spans.find((s) => s.name === 'GET /photos/:id/')?.attributes['http.route']).toBe('/photos/:id/');
  });

  it('joins the upload, every pipeline step and the model call in a single trace', () => {
    const names = uploadTrace.map((s) => s.name);
    for (const name of [...PIPELINE_STEPS, 'job process_photo', 'job caption_photo', `chat ${MODEL}`]) expect(names, name).toContain(name);
    // One connected tree: every span's parent was exported, up to the request span.
    for (const span of uploadTrace) {
      let cursor: ReceivedSpan | undefined = span;
      for (let depth = 0; cursor && cursor !== uploadSpan && depth < 20; depth++) cursor = parentOf(cursor);
      expect(cursor, `${span.name} reaches the request span`).toBe(uploadSpan);
    }
    expect(parentOf(named('job process_photo'))).toBe(uploadSpan);
    for (const step of PIPELINE_STEPS.slice(0, 5)) expect(parentOf(named(step))?.name, step).toBe('job process_photo');
    expect(parentOf(named('job caption_photo'))?.name).toBe('job process_photo');
    expect(parentOf(named('photo.caption'))?.name).toBe('job caption_photo');
    expect(parentOf(named(`chat ${MODEL}`))?.name).toBe('photo.caption');
    for (const span of uploadTrace) expect(span.status.code, span.name).not.toBe(2);
  });

  it('traces the model call with the GenAI semantic conventions and propagates the trace to the model server', () => {
    const chat = named(`chat ${MODEL}`)!;
    expect(chat.kind).toBe(SPAN_KIND.client);
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': MODEL,
      'gen_ai.response.model': `${MODEL}-2025-01-01`,
      'gen_ai.usage.input_tokens': FAKE_USAGE.inputTokens,
      'gen_ai.usage.output_tokens': FAKE_USAGE.outputTokens,
    });
    // Prompts and completions are recorded only on opt-in (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT).
    expect(JSON.stringify(uploadTrace)).not.toContain(ALT_TEXT);
    const httpCall = uploadTrace.find((s) => s.parentSpanId === chat.spanId && s.kind === SPAN_KIND.client);
    expect(httpCall?.attributes['url.path']).toBe('/v1/chat/completions');
    expect(run.modelRequests[0]?.headers.traceparent).toBe(`00-${uploadSpan.traceId}-${httpCall?.spanId}-01`);
  });

  it(`traces ${dialect} queries inside the request and the jobs`, () => {
    const queries = uploadTrace.filter((s) => s.kind === SPAN_KIND.client && s.scope !== '@opentelemetry/instrumentation-openai' && s !== named(`chat ${MODEL}`) && !s.attributes['url.path']);
    expect(queries.length).toBeGreaterThan(5);
    if (dialect === 'sqlite') {
      const update = queries.find((s) => s.name === 'UPDATE photos');
      expect(update?.attributes).toMatchObject({ 'db.system.name': 'sqlite', 'db.collection.name': 'photos' });
    } else {
      expect(queries.every((s) => s.scope === '@opentelemetry/instrumentation-pg')).toBe(true);
      expect(queries.some((s) => /update "photos"/i.test(String(s.attributes['db.query.text'] ?? s.attributes['db.statement'])))).toBe(true);
    }
    // Parameterised SQL only: the values (here the photo id) never reach the span.
    for (const query of queries) expect(JSON.stringify(query.attributes)).not.toContain(run.photoId);
  });

  it('keeps credentials, cookies, tokens and personal data out of spans and logs', () => {
    const exported = JSON.stringify({ spans: run.spans.map((s) => [s.name, s.attributes, s.events]), logs: run.logs.map((l) => [l.body, l.attributes]) });
    for (const secret of run.secrets) expect(exported.includes(secret), 'a secret leaked into telemetry').toBe(false);
    for (const span of run.spans) {
      const keys = Object.keys(span.attributes).join(' ');
      expect(keys).not.toMatch(/cookie|authorization|password|x-csrf-token/i);
    }
  });

  it('exports the HTTP server duration metric per route', () => {
    const duration = metric('http.server.request.duration');
    expect(duration).toMatchObject({ unit: 's', type: 'histogram' });
    expect(pointValue(duration, { 'http.route': '/photos/upload/', 'http.request.method': 'POST', 'http.response.status_code': 303 })).toBe(1);
  });

  it('exports uploads by outcome, security events and throttling', () => {
    expect(metric('photovault.uploads')).toMatchObject({ type: 'sum', monotonic: true, unit: '{upload}' });
    expect(pointValue(metric('photovault.uploads'), { outcome: 'accepted' })).toBe(1);
    expect(pointValue(metric('photovault.auth.failures'), { 'auth.method': 'password', reason: 'invalid_credentials' })).toBe(1);
    expect(pointValue(metric('photovault.auth.failures'), { 'auth.method': 'password', reason: 'throttled' })).toBe(1);
    expect(pointValue(metric('photovault.csrf.rejections'), { reason: 'cross_origin_request_origin' })).toBe(1);
    expect(pointValue(metric('photovault.throttled'), { 'http.route': '/accounts/login/' })).toBe(1);
    expect(pointValue(metric('photovault.captions'), { outcome: 'stored' })).toBe(1);
  });

  it('exports pipeline step durations, scan and moderation latency and the queue depth', () => {
    const steps = metric('photovault.pipeline.step.duration');
    expect(steps).toMatchObject({ unit: 's', type: 'histogram' });
    for (const step of ['validate', 'scan', 'transform', 'moderate', 'store', 'caption']) expect(pointValue(steps, { step }), step).toBe(1);
    expect(pointValue(metric('photovault.scan.duration'), { scanner: 'builtin', outcome: 'clean' })).toBe(1);
    expect(pointValue(metric('photovault.moderation.duration'), { outcome: 'pass' })).toBe(1);
    const depth = run.metrics.filter((m) => m.name === 'photovault.job.queue.depth');
    expect(depth.length).toBeGreaterThan(0);
    expect(depth.at(-1)).toMatchObject({ type: 'gauge', unit: '{job}' });
    expect(depth.at(-1)!.points.map((p) => p.attributes['job.kind']).sort()).toEqual(['build_export', 'caption_photo', 'delete_account', 'housekeeping', 'process_photo']);
    for (const name of ['photovault.job.failed', 'photovault.job.queue.age']) {
      const gauge = run.metrics.filter((m) => m.name === name).at(-1);
      expect(gauge, name).toMatchObject({ type: 'gauge' });
      expect(gauge!.points.map((p) => p.attributes['job.kind']).sort()).toEqual(['build_export', 'caption_photo', 'delete_account', 'housekeeping', 'process_photo']);
    }
  });

  it('exports the GenAI token usage and operation duration metrics', () => {
    const tokens = metric('gen_ai.client.token.usage');
    expect(tokens).toMatchObject({ unit: '{token}', type: 'histogram' });
    const sumOf = (type: string) => tokens.points.filter((p) => p.attributes['gen_ai.token.type'] === type).reduce((s, p) => s + (p.sum ?? 0), 0);
    expect(sumOf('input')).toBe(FAKE_USAGE.inputTokens);
    expect(sumOf('output')).toBe(FAKE_USAGE.outputTokens);
    expect(tokens.points[0]?.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': MODEL });
    const duration = metric('gen_ai.client.operation.duration');
    expect(duration).toMatchObject({ unit: 's', type: 'histogram' });
    expect(pointValue(duration, { 'gen_ai.request.model': MODEL })).toBe(1);
  });

  it('exports pino logs with the trace context of the request or job that wrote them', () => {
    const logOf = (event: string) => run.logs.find((l) => l.attributes['event'] === event);
    expect(logOf('upload_accepted')).toMatchObject({ traceId: uploadSpan.traceId, spanId: uploadSpan.spanId, body: 'upload accepted' });
    expect(logOf('photo_processed')).toMatchObject({ traceId: uploadSpan.traceId, spanId: named('job process_photo')?.spanId });
    expect(logOf('caption_stored')?.traceId).toBe(uploadSpan.traceId);
    expect(logOf('upload_accepted')?.scope).toBe('@opentelemetry/instrumentation-pino');
    expect(logOf('upload_accepted')?.resource['service.name']).toBe('photovault');
  });

  it('exports security events as structured log records', () => {
    const events = run.logs.map((l) => l.attributes['event']);
    for (const event of ['login_failed', 'login_lockout', 'login_throttled', 'csrf_rejected']) expect(events, event).toContain(event);
    expect(events.filter((e) => e === 'login_lockout')).toHaveLength(1);
    const csrf = run.logs.find((l) => l.attributes['event'] === 'csrf_rejected');
    expect(csrf?.severityText).toBe('warn');
    expect(csrf?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('writes trace_id and span_id into every JSON log line made inside a request or job', () => {
    const lines = run.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    const inContext = lines.filter((l) => l['request_id'] !== undefined || ['photo_processed', 'caption_stored'].includes(String(l['event'])));
    expect(inContext.length).toBeGreaterThan(10);
    for (const line of inContext) {
      expect(line['trace_id'], String(line['msg'])).toMatch(/^[0-9a-f]{32}$/);
      expect(line['span_id'], String(line['msg'])).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(lines.find((l) => l['event'] === 'upload_accepted')?.['trace_id']).toBe(uploadSpan.traceId);
  });

  it('exports every metric and label the Grafana dashboard queries, under its Prometheus name', () => {
    const series = new Set(run.metrics.flatMap(prometheusSeriesNames));
    const labels = new Set(['job', 'instance', 'le', ...run.metrics.flatMap((m) => m.points.flatMap((p) => Object.keys(p.attributes).map(prometheusLabelName)))]);
    for (const { panel, query, datasource } of dashboardQueries()) {
      if (datasource !== 'prometheus') continue;
      const refs = referencesOf(query);
      for (const name of refs.metrics) expect(series, `${panel}: ${name}`).toContain(name);
      for (const label of refs.labels) expect(labels, `${panel}: label ${label}`).toContain(label);
    }
  });
});

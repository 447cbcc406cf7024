import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import Fastify from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDatabase, migrateToLatest } from '../../src/db/database.js';
import { registerErrorHandling } from '../../src/errors/error-handler.js';
import { jobPayload, runJobInTrace } from '../../src/telemetry/job-tracing.js';
import { traceStep } from '../../src/telemetry/pipeline-tracing.js';
import { currentTraceParent } from '../../src/telemetry/trace-parent.js';
import { makeTempDir } from '../support/images.js';
import { startInMemoryTelemetry, type InMemoryTelemetry } from './in-memory-telemetry.js';

let telemetry: InMemoryTelemetry;
const tracer = () => trace.getTracer('test');
const finished = () => telemetry.spans.getFinishedSpans();
const job = (payload: string) => ({ id: 'job-1', kind: 'process_photo', photo_id: 'p'.repeat(32), attempts: 2, payload });

beforeAll(() => {
  telemetry = startInMemoryTelemetry();
});
beforeEach(() => telemetry.spans.reset());
afterAll(() => telemetry.stop());

describe('traceStep', () => {
  it('runs the step in a span named photo.<step>, a child of the active span', async () => {
    const result = await tracer().startActiveSpan('job', async (parent) => {
      const value = await traceStep('validate', async () => 42);
      parent.end();
      return value;
    });
    expect(result).toBe(42);
    const [step, parent] = finished();
    expect(step?.name).toBe('photo.validate');
    expect(step?.attributes['photovault.pipeline.step']).toBe('validate');
    expect(step?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(step?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a failed step as an error with its type, and rethrows', async () => {
    class PhotoRejectedError extends Error {
      override name = 'PhotoRejectedError';
    }
    await expect(traceStep('scan', async () => Promise.reject(new PhotoRejectedError('refused')))).rejects.toThrow('refused');
    const [span] = finished();
    expect(span?.name).toBe('photo.scan');
    expect(span?.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'refused' });
    expect(span?.attributes['error.type']).toBe('PhotoRejectedError');
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });
});

describe('runJobInTrace', () => {
  it('continues the trace named by the traceparent in the job payload', async () => {
    let payload = '';
    let requestSpanId = '';
    let traceId = '';
    tracer().startActiveSpan('POST /photos/upload/', (span) => {
      payload = jobPayload(currentTraceParent());
      ({ spanId: requestSpanId, traceId } = span.spanContext());
      span.end();
    });
    await runJobInTrace(job(payload), async () => {
      await traceStep('store', async () => undefined);
    });
    const jobSpan = finished().find((s) => s.name === 'job process_photo');
    const step = finished().find((s) => s.name === 'photo.store');
    expect(jobSpan?.spanContext().traceId).toBe(traceId);
    expect(jobSpan?.parentSpanContext?.spanId).toBe(requestSpanId);
    expect(jobSpan?.kind).toBe(SpanKind.CONSUMER);
    expect(jobSpan?.attributes).toMatchObject({ 'photovault.job.kind': 'process_photo', 'photovault.job.id': 'job-1', 'photovault.job.attempt': 2 });
    expect(step?.parentSpanContext?.spanId).toBe(jobSpan?.spanContext().spanId);
  });

  it('starts a new trace for a job without (or with a malformed) traceparent, whatever is active', async () => {
    await tracer().startActiveSpan('unrelated request', async (span) => {
      await runJobInTrace(job('{}'), async () => undefined);
      await runJobInTrace(job('{"traceparent":"00-zz-yy-01"}'), async () => undefined);
      await runJobInTrace(job('not json'), async () => undefined);
      span.end();
    });
    const jobs = finished().filter((s) => s.name === 'job process_photo');
    expect(jobs).toHaveLength(3);
    for (const span of jobs) expect(span.parentSpanContext).toBeUndefined();
  });

  it('records a failing job on its span and rethrows', async () => {
    await expect(runJobInTrace(job('{}'), async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(finished()[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });
});

describe('SQLite query spans', () => {
  it('traces queries inside a span, with the parameterised SQL only', async () => {
    const { dir, remove } = await makeTempDir();
    const db = createDatabase({ dialect: 'sqlite', file: `${dir}/t.sqlite3` });
    try {
      await migrateToLatest(db);
      telemetry.spans.reset();
      await db.selectFrom('users').select('id').where('username', '=', 'no-such-user').execute();
      expect(finished()).toHaveLength(0);
      await tracer().startActiveSpan('request', async (span) => {
        await db.selectFrom('users').select('id').where('username', '=', 'secret-looking-value').execute();
        span.end();
      });
      const query = finished().find((s) => s.name === 'SELECT users');
      expect(query?.kind).toBe(SpanKind.CLIENT);
      expect(query?.attributes).toMatchObject({ 'db.system.name': 'sqlite', 'db.operation.name': 'SELECT', 'db.collection.name': 'users' });
      expect(String(query?.attributes['db.query.text'])).toBe('select "id" from "users" where "username" = ?');
    } finally {
      await db.destroy();
      await remove();
    }
  });
});

describe('the error mapper', () => {
  it('records an unexpected error on the request span, and only a generic answer leaves', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandling(app);
    app.get('/boom', async () => {
      throw new TypeError('connection to 10.0.0.5 refused');
    });
    await app.ready();
    const response = await tracer().startActiveSpan('GET /boom', async (span) => {
      const result = await app.inject({ url: '/boom', headers: { accept: 'application/json' } });
      span.end();
      return result;
    });
    await app.close();
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('10.0.0.5');
    const [span] = finished();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('TypeError');
    expect(span?.events[0]?.attributes?.['exception.message']).toBe('connection to 10.0.0.5 refused');
  });
});

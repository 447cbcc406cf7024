import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { metrics as sdkMetrics, tracing } from '@opentelemetry/sdk-node';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerHttpTelemetry } from '../../src/telemetry/http-telemetry.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { startInMemoryTelemetry, type InMemoryTelemetry } from './in-memory-telemetry.js';

let telemetry: InMemoryTelemetry;
let t: TestApp;
let alice: TestClient;

beforeAll(async () => {
  telemetry = startInMemoryTelemetry();
  t = await createTestApp('sqlite', { MODERATION_ENABLED: 'false' }, {
    beforeReady: (app) => {
      app.get('/test/boom/', { config: { public: true } }, async () => {
        throw new Error('a bug in a handler');
      });
      app.get('/test/slow/', { config: { public: true } }, async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return 'late';
      });
    },
  });
  alice = new TestClient(t.app);
  await alice.signupAndLogin('alice_http_spans');
});
afterAll(async () => {
  await t.close();
  await telemetry.stop();
});

let listeningOrigin: Promise<string> | undefined;
/** The app on a real socket (once per file), for what inject cannot show. */
function listening(): Promise<string> {
  listeningOrigin ??= t.app.listen({ host: '127.0.0.1', port: 0 });
  return listeningOrigin;
}

function serverSpans(): tracing.ReadableSpan[] {
  return telemetry.spans.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
}

async function only(request: () => Promise<unknown>): Promise<tracing.ReadableSpan> {
  telemetry.spans.reset();
  await request();
  const spans = serverSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

function durationPoints(data: sdkMetrics.MetricData[]) {
  return data.find((m) => m.descriptor.name === 'http.server.request.duration')?.dataPoints ?? [];
}

describe('HTTP server spans', () => {
  it('name the span after the route and carry the stable HTTP attributes and the request id', async () => {
    let requestId: unknown;
    const span = await only(async () => {
      const response = await alice.get('/photos/', { 'user-agent': 'span-test/1.0' });
      requestId = response.headers['x-request-id'];
      expect(response.statusCode).toBe(200);
    });
    expect(span.name).toBe('GET /photos/');
    expect(span.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/photos/',
      'http.response.status_code': 200,
      'url.path': '/photos/',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'user_agent.original': 'span-test/1.0',
      'photovault.request.id': requestId,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('never record query values, cookies or share tokens', async () => {
    const token = randomBytes(32).toString('base64url');
    const span = await only(() => alice.get(`/s/${token}/?name=Alice%20Smith&next=/secret/`));
    expect(span.name).toBe('GET /s/:token/');
    expect(span.attributes['url.path']).toBe('/s/[redacted]/');
    expect(span.attributes['url.query']).toBe('name=REDACTED&next=REDACTED');
    const everything = JSON.stringify(span.attributes);
    for (const secret of [token, 'Alice', 'secret', ...alice.cookies.values()]) expect(everything).not.toContain(secret);
  });

  it('cut a client’s oversized path, query and User-Agent instead of exporting them whole', async () => {
    const long = 'a'.repeat(5000);
    const span = await only(() => alice.get(`/${'ab/'.repeat(1500)}?${long}=1`, { 'user-agent': long }));
    for (const key of ['url.path', 'url.query', 'user_agent.original']) {
      const value = String(span.attributes[key]);
      expect(value.length, key).toBeLessThan(1100);
      expect(value.endsWith('…[truncated]'), key).toBe(true);
    }
  });

  it('continue the caller’s W3C trace context', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const span = await only(() => alice.get('/', { traceparent: `00-${traceId}-${parentId}-01` }));
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(parentId);
  });

  it('start a new trace when the traceparent is malformed', async () => {
    const span = await only(() => alice.get('/', { traceparent: '00-zz-<script>-01' }));
    expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('parent the queries made after a form body was read from the socket (Fastify keeps the context across parsing)', async () => {
    // Over a real socket: the body's data events come from the connection, outside the request's
    // context (inject would push the body synchronously and hide the problem).
    const origin = await listening();
    const bob = new TestClient(t.app);
    const csrf = await bob.csrfFrom('/accounts/login/');
    const body = new URLSearchParams({ _csrf: csrf, username: 'alice_http_spans', password: 'not the password at all', next: '' }).toString();
    const head = [
      'POST /accounts/login/ HTTP/1.1',
      `host: ${new URL(origin).host}`,
      `origin: ${origin}`,
      `cookie: ${[...bob.cookies].map(([k, v]) => `${k}=${v}`).join('; ')}`,
      'content-type: application/x-www-form-urlencoded',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
    ].join('\r\n');
    telemetry.spans.reset();
    // The headers first, the body a moment later: its data and end events then come from the socket.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(origin).port), '127.0.0.1', () => {
        socket.write(`${head}\r\n\r\n`);
        setTimeout(() => socket.write(body), 50);
      });
      let received = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    expect(answer.split('\r\n', 1)[0]).toBe('HTTP/1.1 401 Unauthorized');
    const login = serverSpans().find((span) => span.name === 'POST /accounts/login/');
    expect(login?.attributes['http.response.status_code']).toBe(401);
    const queries = telemetry.spans.getFinishedSpans().filter((span) => span.spanContext().traceId === login?.spanContext().traceId && span.kind === SpanKind.CLIENT);
    // The credential check reads the user after the urlencoded body has been parsed.
    expect(queries.map((span) => span.name)).toContain('SELECT users');
    for (const query of queries) expect(query.parentSpanContext?.spanId).toBe(login?.spanContext().spanId);
  });

  it('mark 5xx answers as errors, not 4xx ones', async () => {
    const failed = await only(() => alice.get('/test/boom/'));
    expect(failed.attributes['http.response.status_code']).toBe(500);
    expect(failed.attributes['error.type']).toBe('500');
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    // The bug's exception is on the span, for whoever debugs the 500 from its trace.
    expect(failed.events.find((event) => event.name === 'exception')?.attributes?.['exception.type']).toBe('Error');

    const missing = await only(() => alice.get('/no/such/page/'));
    expect(missing.name).toBe('GET');
    expect(missing.attributes['http.route']).toBeUndefined();
    expect(missing.attributes['http.response.status_code']).toBe(404);
    expect(missing.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('trace requests refused before routing (a malformed URL), which no hook sees', async () => {
    for (const url of ['/%', '/photos/%E0%A4%A/']) {
      const span = await only(async () => expect((await alice.get(url)).statusCode).toBe(400));
      expect(span.name).toBe('GET');
      expect(span.attributes['http.response.status_code']).toBe(400);
      expect(span.attributes['http.route']).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    const refused = durationPoints(await telemetry.collectMetrics()).filter((point) => point.attributes['http.response.status_code'] === 400 && point.attributes['http.route'] === undefined);
    expect(refused.reduce((sum, point) => sum + (point.value as { count: number }).count, 0)).toBeGreaterThanOrEqual(2);
  });

  it('end the span as failed when the client goes away before the answer', async () => {
    const origin = await listening();
    telemetry.spans.reset();
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(Number(new URL(origin).port), '127.0.0.1', () => {
        socket.write(`GET /test/slow/ HTTP/1.1\r\nhost: ${new URL(origin).host}\r\n\r\n`);
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const spans = serverSpans().filter((span) => span.name === 'GET /test/slow/');
    expect(spans).toHaveLength(1);
    expect(spans[0]?.attributes['error.type']).toBe('aborted');
    expect(spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('leave health probes untraced', async () => {
    telemetry.spans.reset();
    expect((await alice.get('/healthz')).statusCode).toBe(200);
    expect((await alice.get('/readyz')).statusCode).toBe(200);
    expect(serverSpans()).toEqual([]);
  });

  it('record http.server.request.duration by method, route and status, with no path or query', async () => {
    const count = (data: sdkMetrics.MetricData[]) =>
      durationPoints(data)
        .filter((point) => point.attributes['http.route'] === '/photos/' && point.attributes['http.response.status_code'] === 200 && point.attributes['http.request.method'] === 'GET')
        .reduce((sum, point) => sum + (point.value as { count: number }).count, 0);
    const before = count(await telemetry.collectMetrics());
    await alice.get('/photos/?q=private');
    await alice.get('/photos/');
    const after = await telemetry.collectMetrics();
    expect(count(after) - before).toBe(2);
    for (const point of durationPoints(after)) {
      expect(Object.keys(point.attributes).sort()).toEqual(expect.arrayContaining(['http.request.method', 'http.response.status_code', 'url.scheme']));
      expect(point.attributes).not.toHaveProperty('url.path');
      expect(point.attributes).not.toHaveProperty('url.query');
    }
  });
});

describe('OTEL_NODE_DISABLED_INSTRUMENTATIONS=http', () => {
  async function spansOf(env: Record<string, string>): Promise<tracing.ReadableSpan[]> {
    const app = Fastify();
    registerHttpTelemetry(app, env);
    app.get('/', async () => 'ok');
    telemetry.spans.reset();
    expect((await app.inject({ url: '/' })).body).toBe('ok');
    await app.close();
    return serverSpans();
  }

  it('turns the server spans off, and the app still answers', async () => {
    expect(await spansOf({})).toHaveLength(1);
    expect(await spansOf({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici,http' })).toEqual([]);
    expect(await spansOf({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'pg' })).toEqual([]);
  });
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeOtlpProtobuf, type OtlpSignal } from './otlp-proto.js';

export type Attributes = Record<string, unknown>;

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly attributes: Attributes;
  readonly status: { readonly code: number; readonly message: string };
  readonly events: readonly { readonly name: string; readonly attributes: Attributes }[];
  readonly resource: Attributes;
  readonly scope: string;
}

export interface ReceivedPoint {
  readonly attributes: Attributes;
  readonly value?: number;
  readonly count?: number;
  readonly sum?: number;
}

export interface ReceivedMetric {
  readonly name: string;
  readonly unit: string;
  readonly type: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram';
  readonly monotonic: boolean;
  readonly points: readonly ReceivedPoint[];
  readonly resource: Attributes;
  readonly scope: string;
}

export interface ReceivedLog {
  readonly body: unknown;
  readonly severityText: string;
  readonly attributes: Attributes;
  readonly traceId: string;
  readonly spanId: string;
  readonly resource: Attributes;
  readonly scope: string;
}

export interface OtlpReceiver {
  /** e.g. http://127.0.0.1:43123, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly metrics: ReceivedMetric[];
  readonly logs: ReceivedLog[];
  /** One entry per export request: which signal, with which Content-Type. */
  readonly requests: { readonly signal: OtlpSignal; readonly contentType: string }[];
  close(): Promise<void>;
}

const PATHS: Record<string, OtlpSignal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

/**
 * An OTLP/HTTP endpoint inside the test suite: accepts http/json and http/protobuf on the standard
 * paths, decodes both into one normalised shape, and answers like a collector (200, empty response).
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const receiver = { spans: [] as ReceivedSpan[], metrics: [] as ReceivedMetric[], logs: [] as ReceivedLog[], requests: [] as OtlpReceiver['requests'][number][] };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const signal = PATHS[request.url ?? ''];
      const contentType = String(request.headers['content-type'] ?? '');
      if (request.method !== 'POST' || !signal) {
        response.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const protobuf = contentType.startsWith('application/x-protobuf');
      const decoded = protobuf ? decodeOtlpProtobuf(signal, body) : JSON.parse(body.toString('utf8'));
      receiver.requests.push({ signal, contentType });
      collect(receiver, signal, decoded as Json);
      response.writeHead(200, { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' }).end(protobuf ? Buffer.alloc(0) : '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ...receiver,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function collect(receiver: Pick<OtlpReceiver, 'spans' | 'metrics' | 'logs'>, signal: OtlpSignal, request: Json): void {
  if (signal === 'traces') {
    for (const rs of request.resourceSpans ?? []) {
      const resource = attributesOf(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          receiver.spans.push({
            traceId: span.traceId ?? '',
            spanId: span.spanId ?? '',
            parentSpanId: span.parentSpanId ?? '',
            name: span.name ?? '',
            kind: Number(span.kind ?? 0),
            attributes: attributesOf(span.attributes),
            status: { code: Number(span.status?.code ?? 0), message: span.status?.message ?? '' },
            events: (span.events ?? []).map((event: Json) => ({ name: event.name ?? '', attributes: attributesOf(event.attributes) })),
            resource,
            scope: ss.scope?.name ?? '',
          });
        }
      }
    }
  } else if (signal === 'metrics') {
    for (const rm of request.resourceMetrics ?? []) {
      const resource = attributesOf(rm.resource?.attributes);
      for (const sm of rm.scopeMetrics ?? []) {
        for (const metric of sm.metrics ?? []) receiver.metrics.push(metricOf(metric, resource, sm.scope?.name ?? ''));
      }
    }
  } else {
    for (const rl of request.resourceLogs ?? []) {
      const resource = attributesOf(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const record of sl.logRecords ?? []) {
          receiver.logs.push({
            body: valueOf(record.body),
            severityText: record.severityText ?? '',
            attributes: attributesOf(record.attributes),
            traceId: record.traceId ?? '',
            spanId: record.spanId ?? '',
            resource,
            scope: sl.scope?.name ?? '',
          });
        }
      }
    }
  }
}

function metricOf(metric: Json, resource: Attributes, scope: string): ReceivedMetric {
  const base = { name: metric.name ?? '', unit: metric.unit ?? '', resource, scope };
  if (metric.histogram) {
    const points = (metric.histogram.dataPoints ?? []).map((p: Json) => ({ attributes: attributesOf(p.attributes), count: Number(p.count ?? 0), sum: Number(p.sum ?? 0) }));
    return { ...base, type: 'histogram', monotonic: false, points };
  }
  if (metric.exponentialHistogram) return { ...base, type: 'exponentialHistogram', monotonic: false, points: [] };
  const data = metric.sum ?? metric.gauge ?? {};
  const points = (data.dataPoints ?? []).map((p: Json) => ({ attributes: attributesOf(p.attributes), value: Number(p.asDouble ?? p.asInt ?? 0) }));
  return { ...base, type: metric.sum ? 'sum' : 'gauge', monotonic: Boolean(metric.sum?.isMonotonic), points };
}

function attributesOf(list: Json[] | undefined): Attributes {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));
}

function valueOf(value: Json | undefined): unknown {
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('arrayValue' in value) return (value.arrayValue?.values ?? []).map(valueOf);
  if ('kvlistValue' in value) return attributesOf(value.kvlistValue?.values);
  if ('bytesValue' in value) return value.bytesValue;
  return undefined;
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSinkStats {
  /** Export requests per OTLP path (/v1/traces, /v1/metrics, /v1/logs). */
  readonly requests: Record<string, number>;
  readonly bytes: number;
}

export interface OtlpSink {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly url: string;
  stats(): OtlpSinkStats;
  close(): Promise<void>;
}

/**
 * An OTLP/HTTP receiver on loopback that counts what it is sent and discards it, answering each
 * export with an empty success (a valid Export*ServiceResponse in protobuf and in JSON), so the
 * app's telemetry runs as in production without a collector's cost on this machine.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  const requests: Record<string, number> = {};
  let bytes = 0;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    request.on('end', () => {
      requests[path] = (requests[path] ?? 0) + 1;
      const json = /json/i.test(request.headers['content-type'] ?? '');
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? '{}' : '');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ requests: { ...requests }, bytes }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

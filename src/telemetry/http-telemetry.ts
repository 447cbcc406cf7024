import { context, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { FastifyInstance } from 'fastify';
import { recordThrottled } from './metrics.js';
import { requestHook } from '../web/hooks.js';

/**
 * Fastify's part of HTTP telemetry (the http instrumentation makes the server span and the
 * `http.server.request.duration` metric, but cannot know routes):
 * - the matched route template goes into the request's RPC metadata, from which the instrumentation
 *   sets `http.route` on the span and the metric and names the span `POST /photos/upload/`;
 * - the request id (the one in logs and error pages) goes on the span;
 * - every 429 answer counts in `photovault.throttled`, whichever throttle produced it.
 * Registered first, so that a request refused by an early hook (CSRF) still gets its route.
 */
export function registerHttpTelemetry(app: FastifyInstance): void {
  app.addHook(
    'onRequest',
    requestHook((request) => {
      const span = trace.getActiveSpan();
      if (!span?.isRecording()) return;
      span.setAttribute('photovault.request.id', request.id);
      const route = request.routeOptions.url;
      const rpc = getRPCMetadata(context.active());
      if (route && rpc?.type === RPCType.HTTP) rpc.route = route;
    }),
  );
  app.addHook(
    'onResponse',
    requestHook((request, reply) => {
      if (reply.statusCode === 429) recordThrottled(request.routeOptions.url);
    }),
  );
}

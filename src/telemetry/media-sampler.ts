import { SpanKind, type Attributes, type Context, type Link } from '@opentelemetry/api';
import { tracing } from '@opentelemetry/sdk-node';

// Every route that answers with a stored photo variant ends so (owner's, share links', API's, admin's).
const MEDIA_ROUTE_SUFFIX = '/media/:variant';
const READ_METHODS = new Set(['GET', 'HEAD']);

/** Whether a server span's start attributes describe a GET or HEAD of a photo variant. */
export function isMediaRead(kind: SpanKind, attributes: Attributes): boolean {
  if (kind !== SpanKind.SERVER) return false;
  const route = attributes['http.route'];
  const method = attributes['http.request.method'];
  return typeof route === 'string' && route.endsWith(MEDIA_ROUTE_SUFFIX) && typeof method === 'string' && READ_METHODS.has(method);
}

/**
 * Traces every page, API call and job, but only `ratio` of the requests for photo variants
 * (thumbnails, display images, originals): a gallery asks for dozens of thumbnails per page, each a
 * near-identical trace of a cache hit, and recording and exporting those spans was ~15% of a
 * thumbnail's server CPU (docs/performance.md). The `http.server.request.duration` metric still
 * counts every request: only the trace is sampled. Root spans only; a request that arrives with a
 * `traceparent` follows its caller's decision, as the SDK's default `parentbased_always_on` does.
 */
class MediaReadSampler implements tracing.Sampler {
  private readonly always = new tracing.AlwaysOnSampler();
  private readonly media: tracing.Sampler;

  constructor(private readonly ratio: number) {
    this.media = new tracing.TraceIdRatioBasedSampler(ratio);
  }

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): tracing.SamplingResult {
    const sampler = isMediaRead(kind, attributes) ? this.media : this.always;
    return sampler.shouldSample(context, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `MediaReadSampler{media=${this.ratio}}`;
  }
}

/** photovault's default sampler (see MediaReadSampler), used unless OTEL_TRACES_SAMPLER chooses another. */
export function mediaReadSampler(ratio: number): tracing.Sampler {
  return new tracing.ParentBasedSampler({ root: new MediaReadSampler(ratio) });
}

import type { Context, Span, SpanOptions, Tracer, TracerOptions, TracerProvider } from '@opentelemetry/api';

// Semantic conventions 1.37 renamed gen_ai.system to gen_ai.provider.name; incubating names are
// copied rather than imported, as @opentelemetry/semantic-conventions advises.
const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';

/**
 * A tracer provider for the OpenAI instrumentation, which (in 0.21) still names the provider with
 * the deprecated `gen_ai.system` on chat spans: each span it starts also gets `gen_ai.provider.name`
 * with the same value, so dashboards and queries can use the current convention.
 */
export class GenAiProviderNameTracerProvider implements TracerProvider {
  constructor(private readonly inner: TracerProvider) {}

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const tracer = this.inner.getTracer(name, version, options);
    return {
      startSpan: (spanName: string, spanOptions?: SpanOptions, context?: Context): Span => tracer.startSpan(spanName, withProviderName(spanOptions), context),
      startActiveSpan: tracer.startActiveSpan.bind(tracer),
    };
  }
}

function withProviderName(options: SpanOptions | undefined): SpanOptions | undefined {
  const system = options?.attributes?.[ATTR_GEN_AI_SYSTEM];
  if (system === undefined || options?.attributes?.[ATTR_GEN_AI_PROVIDER_NAME] !== undefined) return options;
  return { ...options, attributes: { ...options?.attributes, [ATTR_GEN_AI_PROVIDER_NAME]: system } };
}

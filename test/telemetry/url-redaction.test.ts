import { describe, expect, it } from 'vitest';
import { redactedUrlAttributes } from '../../src/telemetry/http-telemetry.js';
import { createInstrumentations } from '../../src/telemetry/instrumentations.js';

describe('URL attributes of HTTP server spans', () => {
  it('masks share-link tokens in the path', () => {
    expect(redactedUrlAttributes({ url: '/s/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde/media/display.jpg' })).toEqual({ 'url.path': '/s/[redacted]/media/display.jpg' });
  });

  it('keeps query keys but never their values', () => {
    expect(redactedUrlAttributes({ url: '/accounts/login/?next=/photos/abc/&name=Alice%20Smith' })).toEqual({ 'url.path': '/accounts/login/', 'url.query': 'next=REDACTED&name=REDACTED' });
  });

  it('leaves ordinary paths alone', () => {
    expect(redactedUrlAttributes({ url: '/photos/0123456789abcdef0123456789abcdef/' })).toEqual({ 'url.path': '/photos/0123456789abcdef0123456789abcdef/' });
  });
});

describe('the instrumentations loaded', () => {
  const names = (env: Record<string, string>) => createInstrumentations({ traces: true, metrics: true, logs: true }, env).map((i) => i.instrumentationName);

  it('are the six the app uses, no bundle', () => {
    expect(names({})).toEqual([
      '@opentelemetry/instrumentation-http',
      '@opentelemetry/instrumentation-undici',
      '@opentelemetry/instrumentation-pg',
      '@opentelemetry/instrumentation-pino',
      '@opentelemetry/instrumentation-openai',
      '@opentelemetry/instrumentation-runtime-node',
    ]);
  });

  it('follow OTEL_NODE_ENABLED_INSTRUMENTATIONS and OTEL_NODE_DISABLED_INSTRUMENTATIONS', () => {
    expect(names({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, pg' })).toEqual(['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-pg']);
    expect(names({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime-node,undici,unknown' })).not.toContain('@opentelemetry/instrumentation-undici');
    expect(names({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'runtime-node' })).toHaveLength(5);
    expect(names({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: ' ' })).toHaveLength(6);
  });
});

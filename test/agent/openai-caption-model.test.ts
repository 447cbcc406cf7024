import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CaptionModelError } from '../../src/agent/caption-model.js';
import { CAPTION_SYSTEM_PROMPT } from '../../src/agent/caption-prompt.js';
import { OpenAiCaptionModel, retryAfterMs } from '../../src/agent/openai-caption-model.js';
import { captionReply, startFakeOpenAiServer, type FakeOpenAiServer } from '../support/fake-openai-server.js';
import { smallJpeg } from '../support/photos.js';

const API_KEY = 'sk-test-0123456789abcdef';

describe('OpenAiCaptionModel against an OpenAI-compatible server', () => {
  let server: FakeOpenAiServer;
  let jpeg: Buffer;
  const model = (options: { apiKey?: string; timeoutMs?: number; baseUrl?: string } = {}) =>
    new OpenAiCaptionModel({ model: 'vision-test', baseUrl: options.baseUrl ?? server.baseUrl, apiKey: 'apiKey' in options ? options.apiKey : API_KEY, timeoutMs: options.timeoutMs ?? 2000 });
  const failure = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CaptionModelError);
    return error as CaptionModelError;
  };

  beforeAll(async () => {
    server = await startFakeOpenAiServer(captionReply('A blue square.', 'Blue'));
    jpeg = await smallJpeg(32, 24);
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.fallback = captionReply('A blue square.', 'Blue');
  });
  afterAll(() => server.close());

  it('sends the photo as a data URL with the instructions, and reads the answer', async () => {
    const draft = await model().describe(jpeg);
    expect(draft).toEqual({ altText: 'A blue square.', caption: 'Blue' });
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body.model).toBe('vision-test');
    expect(request?.body.max_tokens).toBe(300);
    const [system, user] = request?.body.messages ?? [];
    expect(system).toEqual({ role: 'system', content: CAPTION_SYSTEM_PROMPT });
    const parts = user?.content as { type: string; image_url?: { url: string } }[];
    const image = parts.find((part) => part.type === 'image_url')?.image_url?.url ?? '';
    expect(image.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(Buffer.from(image.slice('data:image/jpeg;base64,'.length), 'base64').equals(jpeg)).toBe(true);
  });

  it('works with a local server that needs no key', async () => {
    await expect(model({ apiKey: undefined }).describe(jpeg)).resolves.toEqual({ altText: 'A blue square.', caption: 'Blue' });
  });

  it('makes exactly one request per call: retries belong to the job queue', async () => {
    server.fallback = { kind: 'status', status: 503 };
    await failure(model().describe(jpeg));
    expect(server.requests).toHaveLength(1);
  });

  it.each([500, 502, 503, 408, 409])('treats HTTP %i as worth retrying', async (status) => {
    server.fallback = { kind: 'status', status };
    const error = await failure(model().describe(jpeg));
    expect(error).toMatchObject({ retryable: true, status });
  });

  it('reads Retry-After on 429', async () => {
    server.fallback = { kind: 'status', status: 429, headers: { 'retry-after': '7' }, code: 'rate_limit_exceeded' };
    const error = await failure(model().describe(jpeg));
    expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 7000 });
    expect(error.message).toBe('the model answered HTTP 429 (rate_limit_exceeded)');
  });

  it.each([400, 401, 403, 404, 422])('does not retry HTTP %i, and keeps the server text out of the error', async (status) => {
    server.fallback = { kind: 'status', status };
    const error = await failure(model().describe(jpeg));
    expect(error).toMatchObject({ retryable: false, status });
    expect(error.message).not.toContain('fake failure');
    expect(error.cause).toBeUndefined();
  });

  it('treats a timeout as worth retrying', async () => {
    server.fallback = { kind: 'hang', ms: 3000 };
    const started = Date.now();
    const error = await failure(model({ timeoutMs: 200 }).describe(jpeg));
    expect(error).toMatchObject({ retryable: true, message: 'the model did not answer in time' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('treats an unreachable server as worth retrying', async () => {
    const error = await failure(model({ baseUrl: 'http://127.0.0.1:9/v1' }).describe(jpeg));
    expect(error).toMatchObject({ retryable: true, message: 'the model could not be reached' });
  });

  it('refuses an empty answer without retrying', async () => {
    server.fallback = { kind: 'ok', content: '' };
    expect(await failure(model().describe(jpeg))).toMatchObject({ retryable: false });
  });
});

describe('retryAfterMs', () => {
  const headers = (values: Record<string, string>) => new Headers(values);

  it('reads seconds, an HTTP date and retry-after-ms', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': '3' }))).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
  });

  it('ignores missing and malformed values', () => {
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});

import { createRequire } from 'node:module';
import type OpenAI from 'openai';
import { CaptionModelError, type CaptionDraft, type CaptionModel } from './caption-model.js';
import { captionMessages } from './caption-prompt.js';
import { parseCaptionReply } from './parse-caption-reply.js';

export interface OpenAiCaptionModelOptions {
  readonly model: string;
  /** undefined: OpenAI itself. */
  readonly baseUrl: string | undefined;
  /** undefined: a local server that needs no key. */
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
}

type OpenAiModule = typeof import('openai');
let openaiModule: OpenAiModule | undefined;

/**
 * The official client, loaded when the first caption model is made (never, with captions off:
 * ~90 ms less start-up), and through require(): the path the OpenTelemetry OpenAI instrumentation
 * patches without an ESM loader hook (see telemetry/start-sdk.ts).
 */
function openai(): OpenAiModule {
  openaiModule ??= createRequire(import.meta.url)('openai') as OpenAiModule;
  return openaiModule;
}

const MAX_REPLY_TOKENS = 300;
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A caption model behind any OpenAI-compatible chat-completions endpoint: OpenAI, Ollama, vLLM,
 * llama.cpp's server. Calls go through the official `openai` client, which the OpenTelemetry
 * OpenAI instrumentation traces (`chat <model>` spans, gen_ai.* attributes and metrics).
 */
export class OpenAiCaptionModel implements CaptionModel {
  readonly name: string;
  private readonly client: OpenAI;

  constructor(options: OpenAiCaptionModelOptions) {
    this.name = options.model;
    this.client = new (openai().OpenAI)({
      // Local servers need no key, but the client insists on one (it is sent, and ignored).
      apiKey: options.apiKey ?? 'no-key',
      baseURL: options.baseUrl,
      timeout: options.timeoutMs,
      // The durable job queue retries with backoff and survives restarts; the client must not retry as well.
      maxRetries: 0,
    });
  }

  async describe(displayJpeg: Buffer): Promise<CaptionDraft> {
    let content: unknown;
    try {
      const completion = await this.client.chat.completions.create({
        model: this.name,
        max_tokens: MAX_REPLY_TOKENS,
        temperature: 0.2,
        messages: captionMessages(displayJpeg),
      });
      content = completion.choices[0]?.message?.content;
    } catch (error) {
      throw toCaptionModelError(error);
    }
    const draft = typeof content === 'string' ? parseCaptionReply(content) : undefined;
    if (!draft) throw new CaptionModelError('the model returned no usable text', false);
    return draft;
  }
}

/**
 * Our error for a failed call. The client's own error is not kept as the cause: its message is
 * the server's text, which is not ours to put in logs and traces; status and error code suffice.
 */
export function toCaptionModelError(error: unknown): CaptionModelError {
  const { APIConnectionError, APIConnectionTimeoutError, APIError } = openai();
  if (error instanceof APIConnectionTimeoutError) return new CaptionModelError('the model did not answer in time', true);
  if (error instanceof APIConnectionError) return new CaptionModelError('the model could not be reached', true);
  if (error instanceof APIError) {
    // APIError's fields are typed `any`: narrow each before use.
    const rawStatus: unknown = error.status;
    const status = typeof rawStatus === 'number' ? rawStatus : undefined;
    const errorCode: unknown = error.code;
    const headers: unknown = error.headers;
    const code = typeof errorCode === 'string' && ERROR_CODE.test(errorCode) ? ` (${errorCode})` : '';
    // RFC 9110: 408 and 429 invite a retry, 409 is OpenAI's "try again", 5xx are the server's.
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    return new CaptionModelError(`the model answered HTTP ${status ?? 'error'}${code}`, retryable, { status, retryAfterMs: retryAfterMs(headers instanceof Headers ? headers : undefined) });
  }
  return new CaptionModelError('the model call failed', true);
}

/** Retry-After (seconds or an HTTP date) or OpenAI's retry-after-ms, in milliseconds. */
export function retryAfterMs(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (headers?.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after')?.trim();
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

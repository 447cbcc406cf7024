import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake model answers one request. */
export type FakeReply =
  | { readonly kind: 'ok'; readonly content: string; readonly model?: string; readonly inputTokens?: number; readonly outputTokens?: number }
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Record<string, string>; readonly code?: string }
  | { readonly kind: 'hang'; readonly ms: number };

export interface RecordedChatRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: {
    model?: string;
    messages?: { role: string; content: unknown }[];
    max_tokens?: number;
  };
}

export interface FakeOpenAiServer {
  /** e.g. http://127.0.0.1:41234/v1, for OPENAI_BASE_URL. */
  readonly baseUrl: string;
  readonly requests: RecordedChatRequest[];
  /** Replies for the next requests, in order; after them every request gets `fallback`. */
  enqueue(...replies: FakeReply[]): void;
  fallback: FakeReply;
  close(): Promise<void>;
}

export const FAKE_USAGE = { inputTokens: 123, outputTokens: 45 } as const;

/**
 * A local OpenAI-compatible chat-completions server (the shape OpenAI, Ollama, vLLM and llama.cpp
 * answer with), scripted per test: answers, HTTP errors with headers, or silence past a timeout.
 */
export async function startFakeOpenAiServer(fallback: FakeReply): Promise<FakeOpenAiServer> {
  const queue: FakeReply[] = [];
  const requests: RecordedChatRequest[] = [];
  const state = { fallback };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? (JSON.parse(text) as RecordedChatRequest['body']) : {};
      requests.push({ path: request.url ?? '', headers: request.headers, body });
      if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
        return;
      }
      const reply = queue.shift() ?? state.fallback;
      if (reply.kind === 'hang') {
        const timer = setTimeout(() => response.writeHead(500).end(), reply.ms);
        response.on('close', () => clearTimeout(timer));
        return;
      }
      if (reply.kind === 'status') {
        const error = { error: { message: `fake failure ${reply.status}`, type: 'server_error', code: reply.code ?? null } };
        response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(error));
        return;
      }
      const inputTokens = reply.inputTokens ?? FAKE_USAGE.inputTokens;
      const outputTokens = reply.outputTokens ?? FAKE_USAGE.outputTokens;
      response.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: reply.model ?? `${body.model ?? 'unknown'}-2025-01-01`,
          choices: [{ index: 0, message: { role: 'assistant', content: reply.content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    get fallback() {
      return state.fallback;
    },
    set fallback(reply: FakeReply) {
      state.fallback = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A model reply in the JSON shape the caption prompt asks for. */
export function captionReply(altText: string, caption: string): FakeReply {
  return { kind: 'ok', content: JSON.stringify({ alt_text: altText, caption }) };
}

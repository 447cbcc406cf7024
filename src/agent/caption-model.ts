/** What a model proposes for one photo, before sanitising. */
export interface CaptionDraft {
  readonly altText: string;
  readonly caption: string;
}

/** Writes alt text and a caption for a photo (an OpenAI-compatible chat model, or a test double). */
export interface CaptionModel {
  /** The model's name, for logs. */
  readonly name: string;
  /** Describes one display-size JPEG; throws CaptionModelError when the model cannot answer. */
  describe(displayJpeg: Buffer): Promise<CaptionDraft>;
}

/**
 * The model did not produce a caption. `retryable` failures (timeouts, connection errors, 408, 409,
 * 429, 5xx) are worth another attempt later; others (bad request, bad key, unknown model, an
 * unusable reply) are not. The message never contains the API key or the model's output.
 */
export class CaptionModelError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown; retryAfterMs?: number; status?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'CaptionModelError';
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }

  /** The server's Retry-After, when it sent one. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
}

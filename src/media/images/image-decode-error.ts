export type ImageDecodeFailure = 'corrupt' | 'too_many_pixels' | 'unsupported';

/** The image could not be decoded safely; `kind` says why, the cause holds libvips' message. */
export class ImageDecodeError extends Error {
  constructor(
    readonly kind: ImageDecodeFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImageDecodeError';
  }
}

/** Classifies a sharp failure on untrusted input; errors that are not about the image are returned unchanged. */
export function toImageDecodeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const message = error.message;
  if (message.includes('Input file is missing')) return error;
  if (message.includes('exceeds pixel limit')) return new ImageDecodeError('too_many_pixels', message, { cause: error });
  if (message.includes('unsupported image format')) return new ImageDecodeError('unsupported', message, { cause: error });
  return new ImageDecodeError('corrupt', message, { cause: error });
}

import { AppError, type ErrorCode } from '../../errors/catalog.js';

export type RejectionReason = 'empty' | 'unsupported_type' | 'too_large' | 'too_many_pixels' | 'corrupt' | 'malware';

const DEFAULT_MESSAGES: Readonly<Record<RejectionReason, string>> = {
  empty: 'This file is empty. Choose a photo and upload it again.',
  unsupported_type: 'This file type is not accepted. Upload a JPEG, PNG, WebP, GIF or AVIF image.',
  too_large: 'This file is too large.',
  too_many_pixels: 'This image has too many pixels to process.',
  corrupt: 'This image is damaged or incomplete and could not be read. Try exporting it again.',
  malware: 'This file was refused because the malware scanner flagged it.',
};

const CATALOG_CODES: Readonly<Record<RejectionReason, ErrorCode>> = {
  empty: 'validation_failed',
  unsupported_type: 'unsupported_media_type',
  too_large: 'payload_too_large',
  too_many_pixels: 'validation_failed',
  corrupt: 'validation_failed',
  malware: 'validation_failed',
};

export interface PhotoRejectedOptions {
  /** A specific, safe message for the user; defaults to the reason's generic message. */
  userMessage?: string;
  /** Details for the log only (never shown to the user). */
  logDetail?: string;
  cause?: unknown;
}

/** An upload refused for a reason the user can act on; the message is safe to show. */
export class PhotoRejectedError extends AppError {
  readonly reason: RejectionReason;
  readonly userMessage: string;
  readonly logDetail: string | undefined;

  constructor(reason: RejectionReason, options: PhotoRejectedOptions = {}) {
    const userMessage = options.userMessage ?? DEFAULT_MESSAGES[reason];
    super(CATALOG_CODES[reason], { detail: userMessage, cause: options.cause });
    this.name = 'PhotoRejectedError';
    this.reason = reason;
    this.userMessage = userMessage;
    this.logDetail = options.logDetail;
  }
}

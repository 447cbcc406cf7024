import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors/catalog.js';
import { PhotoRejectedError, type RejectionReason } from '../../../src/photos/pipeline/rejection.js';

describe('PhotoRejectedError', () => {
  it.each([
    ['empty', 400],
    ['unsupported_type', 415],
    ['too_large', 413],
    ['too_many_pixels', 400],
    ['corrupt', 400],
    ['malware', 400],
  ] as const satisfies ReadonlyArray<readonly [RejectionReason, number]>)('%s has a clear default message and status %i', (reason, status) => {
    const error = new PhotoRejectedError(reason);
    expect(error).toBeInstanceOf(AppError);
    expect(error.reason).toBe(reason);
    expect(error.status).toBe(status);
    expect(error.userMessage).toMatch(/^This (file|image)/);
    expect(error.detail).toBe(error.userMessage);
  });

  it('keeps log details out of the user message', () => {
    const error = new PhotoRejectedError('corrupt', { logDetail: 'VipsJpeg: premature end of JPEG image' });
    expect(error.userMessage).not.toContain('Vips');
    expect(error.message).not.toContain('Vips');
    expect(error.logDetail).toContain('Vips');
  });

  it('accepts a specific message', () => {
    expect(new PhotoRejectedError('unsupported_type', { userMessage: 'SVG files are not accepted.' }).detail).toBe('SVG files are not accepted.');
  });
});

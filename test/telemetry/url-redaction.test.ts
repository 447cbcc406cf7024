import { describe, expect, it } from 'vitest';
import { redactedUrlAttributes } from '../../src/telemetry/instrumentations.js';

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

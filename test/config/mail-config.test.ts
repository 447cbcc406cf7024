import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { configError } from '../support/config-error.js';

// Made up per run: a password that must never appear in a configuration error.
const SECRET = randomBytes(12).toString('hex');
const MAIL = { SMTP_URL: `smtp://mailer:${SECRET}@mail.example.test:587`, MAIL_FROM: 'photovault <photos@example.test>', PUBLIC_URL: 'https://photos.example.test/' };

describe('mail configuration (SMTP_URL, MAIL_FROM, PUBLIC_URL)', () => {
  it('is off without SMTP_URL', () => {
    expect(loadConfig({}).mail).toBeUndefined();
  });

  it('reads the three settings; PUBLIC_URL becomes an origin without a trailing slash', () => {
    expect(loadConfig(MAIL).mail).toEqual({ smtpUrl: MAIL.SMTP_URL, from: MAIL.MAIL_FROM, publicUrl: 'https://photos.example.test' });
    expect(loadConfig({ ...MAIL, SMTP_URL: 'smtps://mail.example.test', MAIL_FROM: 'photos@example.test' }).mail?.from).toBe('photos@example.test');
  });

  it.each([
    ['not a URL', 'SMTP_URL', { SMTP_URL: `::${SECRET}::` }],
    ['another scheme', 'SMTP_URL', { SMTP_URL: `http://user:${SECRET}@mail.example.test` }],
    ['MAIL_FROM missing', 'MAIL_FROM', { MAIL_FROM: '' }],
    ['MAIL_FROM not an address', 'MAIL_FROM', { MAIL_FROM: 'photovault' }],
    ['MAIL_FROM with a header injected', 'MAIL_FROM', { MAIL_FROM: 'photos@example.test\r\nBcc: all@example.test' }],
    ['PUBLIC_URL missing', 'PUBLIC_URL', { PUBLIC_URL: '' }],
    ['PUBLIC_URL with a path', 'PUBLIC_URL', { PUBLIC_URL: 'https://photos.example.test/app' }],
    ['PUBLIC_URL with credentials', 'PUBLIC_URL', { PUBLIC_URL: 'https://user:pw@photos.example.test' }],
    ['PUBLIC_URL of another scheme', 'PUBLIC_URL', { PUBLIC_URL: 'javascript:alert(1)' }],
  ])('refuses %s, naming %s and never echoing the SMTP password', (_label, variable, override) => {
    const error = configError({ ...MAIL, ...override });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
    expect(error.message).not.toContain(SECRET);
  });
});

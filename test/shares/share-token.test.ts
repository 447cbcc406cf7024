import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { serializeRequestForLog } from '../../src/logging/request-log-serializer.js';
import { generateShareToken, hashShareToken, isWellFormedShareToken, redactShareToken } from '../../src/shares/share-token.js';

describe('share tokens', () => {
  it('are 256 random bits in base64url, and never repeat', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateShareToken));
    expect(tokens.size).toBe(200);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url').length).toBe(32);
      expect(isWellFormedShareToken(token)).toBe(true);
    }
  });

  it('refuses anything that is not exactly a token before any look-up', () => {
    const token = generateShareToken();
    for (const bad of [token.slice(1), `${token}A`, `${token.slice(1)}=`, `${token.slice(1)}+`, `${token.slice(1)}/`, '', '../../etc/passwd', 42, null, [token]]) {
      expect(isWellFormedShareToken(bad), String(bad)).toBe(false);
    }
  });

  it('are stored as their SHA-256', () => {
    expect(hashShareToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('are masked in logged URLs', () => {
    const token = generateShareToken();
    expect(redactShareToken(`/s/${token}/media/display.jpg?x=1`)).toBe('/s/[redacted]/media/display.jpg?x=1');
    expect(redactShareToken(`/s/${token}`)).toBe('/s/[redacted]');
    expect(redactShareToken('/photos/abc/')).toBe('/photos/abc/');
    const request = { method: 'GET', url: `/s/${token}/`, host: 'example.test', ip: '10.0.0.1', socket: { remotePort: 5555 } } as unknown as FastifyRequest;
    const logged = serializeRequestForLog(request);
    expect(JSON.stringify(logged)).not.toContain(token);
    expect(logged).toEqual({ method: 'GET', url: '/s/[redacted]/', host: 'example.test', remoteAddress: '10.0.0.1', remotePort: 5555 });
  });
});

import type { FastifyRequest } from 'fastify';
import { redactedLogUrl } from './redact-url.js';

/**
 * Fastify's request log fields, without secrets in the URL: share links carry their token in the
 * path, and query values may hold personal data (OWASP Logging cheat sheet, ASVS 5.0 16.2.5).
 */
export function serializeRequestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactedLogUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

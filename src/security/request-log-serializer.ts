import type { FastifyRequest } from 'fastify';
import { redactShareToken } from '../shares/share-token.js';

/**
 * Fastify's request log fields, with secrets in the path masked: share links carry their token
 * in the URL, and logs must not hold credentials (OWASP Logging cheat sheet, ASVS 5.0 16.2.5).
 */
export function serializeRequestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactShareToken(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalog.js';
import { isMediaVariant, mediaFileName, mediaType } from './media-variants.js';
import type { PhotoRecord } from './photo-repository.js';
import type { PhotoService } from './photo-service.js';

/**
 * Sends one stored variant of a photo the caller may see. Only our own re-encoded raster types
 * are ever served, with nosniff (global), a sandboxing CSP in case a browser renders it as a
 * document, an attachment-safe Content-Disposition, an ETag and private caching.
 */
export async function serveMedia(request: FastifyRequest, reply: FastifyReply, service: PhotoService, photo: PhotoRecord, rawVariant: unknown) {
  if (typeof rawVariant !== 'string' || !isMediaVariant(rawVariant)) throw new AppError('not_found');
  const etag = `"${photo.content_hash.slice(0, 32)}-${rawVariant}"`;
  reply.header('cache-control', 'private, max-age=3600');
  reply.header('etag', etag);
  reply.header('content-security-policy', "default-src 'none'; sandbox");
  reply.header('cross-origin-resource-policy', 'same-origin');
  if (photo.content_hash !== '' && request.headers['if-none-match'] === etag) {
    return reply.code(304).send();
  }
  const media = await service.openMedia(photo, rawVariant);
  if (!media) throw new AppError('not_found');
  const disposition = rawVariant === 'original' ? 'attachment' : 'inline';
  return reply
    .type(mediaType(photo, rawVariant))
    .header('content-length', String(media.size))
    .header('content-disposition', `${disposition}; filename="${mediaFileName(photo, rawVariant)}"`)
    .send(media.data ?? media.stream);
}

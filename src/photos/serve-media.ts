import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalog.js';
import type { MediaLinks } from '../media/storage/storage.js';
import { isMediaVariant, mediaFileName, mediaKey, mediaType, replacementOf, type MediaVariant } from './media-variants.js';
import type { PhotoRecord } from './photo-repository.js';
import type { PhotoService } from './photo-service.js';

/** How long a signed media link lives (issue 14: at most five minutes). */
export const MEDIA_LINK_SECONDS = 300;

/**
 * Sends one stored variant of a photo the caller may see. Only our own re-encoded raster types
 * are ever served, with nosniff (global), a sandboxing CSP in case a browser renders it as a
 * document, an attachment-safe Content-Disposition, an ETag and private caching.
 *
 * With `links` (MEDIA_DELIVERY=redirect, owners' routes only: share links never pass it) a ready
 * photo's variant is instead a redirect to a signed storage URL that forces the same type and
 * disposition and expires in MEDIA_LINK_SECONDS. Photos in any other state are never linked.
 */
export async function serveMedia(request: FastifyRequest, reply: FastifyReply, service: PhotoService, photo: PhotoRecord, rawVariant: unknown, links?: MediaLinks) {
  if (typeof rawVariant !== 'string') throw new AppError('not_found');
  const replacement = replacementOf(rawVariant);
  // A WebP variant no longer made (issue 18): its sibling JPEG, for pages and links from before.
  // Only after the caller has authorised this photo, so the answer says nothing a 404 would not.
  if (replacement) return reply.header('cache-control', 'private, max-age=3600').redirect(replacement, 301);
  if (!isMediaVariant(rawVariant)) throw new AppError('not_found');
  if (links && photo.status === 'ready') return redirectToMedia(reply, links, photo, rawVariant);
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
  return reply
    .type(mediaType(photo, rawVariant))
    .header('content-length', String(media.size))
    .header('content-disposition', contentDisposition(photo, rawVariant))
    .send(media.data ?? media.stream);
}

async function redirectToMedia(reply: FastifyReply, links: MediaLinks, photo: PhotoRecord, variant: MediaVariant) {
  const url = await links.signedUrl(mediaKey(photo.id, variant), {
    expiresInSeconds: MEDIA_LINK_SECONDS,
    contentType: mediaType(photo, variant),
    contentDisposition: contentDisposition(photo, variant),
  });
  // The link is a bearer credential for the bytes: no shared cache may keep this answer.
  reply.header('cache-control', 'private, no-store');
  return reply.redirect(url, 302);
}

function contentDisposition(photo: PhotoRecord, variant: MediaVariant): string {
  return `${variant === 'original' ? 'attachment' : 'inline'}; filename="${mediaFileName(photo, variant)}"`;
}

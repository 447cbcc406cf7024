import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/catalog.js';
import type { PhotoRecord } from '../photos/photo-repository.js';
import { serveMedia } from '../photos/serve-media.js';
import { SharedAlbumPage } from '../views/pages/shared-album-page.js';
import { SharedPhotoPage } from '../views/pages/shared-photo-page.js';
import { SharePasswordPage } from '../views/pages/share-password-page.js';
import { parsePageNumber, readForm, readQueryParam } from '../web/forms.js';
import { sendPage, viewContextFor } from '../web/pages.js';
import { grantShareAccess, hasShareAccess } from './share-access-cookie.js';
import type { ShareWithTarget } from './share-repository.js';
import type { ShareRoutesDeps } from './owner-routes.js';
import { requestHook } from '../web/hooks.js';

// A link shares what a viewer needs to see the photo, never the stored original (full resolution).
// The retired WebP names stay so that links to them redirect to the JPEG (see serveMedia).
const SHARED_VARIANTS: ReadonlySet<string> = new Set(['display.jpg', 'thumb.jpg', 'display.webp', 'thumb.webp']);
const WRONG_PASSWORD = 'That password is not correct.';
const RANDOM_ID = /^[0-9a-f]{32}$/;
const ALBUM_PAGE_SIZE = 48;
const MAX_ALBUM_PAGE = 10_000;

/** The ready photos of a shared album (albums/ provides them). */
export interface SharedAlbumSource {
  /** A page of the album's ready photos, in album order. */
  listReadyPhotos(albumId: string, limit: number, offset: number): Promise<PhotoRecord[]>;
  /** One ready photo of the album; undefined when it is not in it. */
  findReadyPhoto(albumId: string, photoId: string): Promise<PhotoRecord | undefined>;
}

/** The public side: `/s/<token>/` and its media, for anyone holding the link. */
export async function publicShareRoutes(app: FastifyInstance, deps: ShareRoutesDeps): Promise<void> {
  const config = { public: true, neverCache: true };

  // The token is in the URL: no Referer may carry it to another origin, and no search engine may
  // index or archive what a link shows (X-Robots-Tag). `same-origin`, not `no-referrer` (W3C
  // Referrer Policy §3): both keep the token from every other origin, but under `no-referrer` a
  // browser posts this page's own password form with `Origin: null` (Fetch §3.1), which the CSRF
  // check can only trust beside Fetch Metadata, and browsers send none over plain HTTP to a LAN host.
  // Pinned here, not left to the app-wide default, so that relaxing the default never reaches a token.
  app.addHook(
    'onRequest',
    requestHook((_request, reply) => {
      reply.header('referrer-policy', 'same-origin');
      reply.header('x-robots-tag', 'noindex, nofollow, noarchive');
    }),
  );

  app.get('/s/:token', { config }, async (request, reply) => {
    const shared = await openShare(request, deps);
    return reply.redirect(shared.path, 308);
  });

  app.get('/s/:token/', { config }, async (request, reply) => {
    const shared = await openShare(request, deps);
    const { path } = shared;
    if (!hasShareAccess(request, shared.share, Date.now())) return sendPasswordPage(request, reply, shared, [], 200);
    const context = viewContextFor(request, reply);
    if (shared.kind === 'album') {
      const page = parsePageNumber(readQueryParam(request.query, 'page'), MAX_ALBUM_PAGE);
      const rows = await albumSource(deps).listReadyPhotos(shared.album.id, ALBUM_PAGE_SIZE + 1, (page - 1) * ALBUM_PAGE_SIZE);
      if (request.method === 'GET') await deps.shares.countView(shared.share);
      const photos = rows.slice(0, ALBUM_PAGE_SIZE).map((p) => ({ id: p.id, title: p.title, altText: p.alt_text, width: p.width, height: p.height, placeholder: p.placeholder }));
      return sendPage(reply, <SharedAlbumPage context={context} name={shared.album.name} photos={photos} basePath={path} page={page} hasNext={rows.length > ALBUM_PAGE_SIZE} />);
    }
    if (request.method === 'GET') await deps.shares.countView(shared.share);
    return sendPage(reply, <SharedPhotoPage context={context} photo={sharedView(shared.photo)} mediaBase={`${path}media/`} />);
  });

  app.post('/s/:token/', { config }, async (request, reply) => {
    const shared = await openShare(request, deps);
    const { path } = shared;
    if (shared.share.password_hash === '') return reply.redirect(path, 303);
    const form = readForm(request.body, ['password'] as const);
    const result = await deps.shares.unlock(shared.share, form.password, request.ip);
    if (result.ok) {
      grantShareAccess(reply, shared.share, path, Date.now());
      request.log.info({ event: 'share_unlocked', share_id: shared.share.id }, 'share link unlocked');
      return reply.redirect(path, 303);
    }
    if (result.reason === 'throttled') {
      request.log.warn({ event: 'share_throttled', share_id: shared.share.id, retry_after: result.retryAfterSeconds }, 'share password throttled');
      reply.header('retry-after', String(result.retryAfterSeconds));
      const message = `Too many wrong passwords. Try again in ${result.retryAfterSeconds} seconds.`;
      return sendPasswordPage(request, reply, shared, [message], 429);
    }
    request.log.warn({ event: 'share_password_failed', share_id: shared.share.id }, 'wrong share password');
    return sendPasswordPage(request, reply, shared, [WRONG_PASSWORD], 401);
  });

  app.get('/s/:token/media/:variant', { config }, async (request, reply) => {
    const shared = await openShare(request, deps);
    if (shared.kind !== 'photo') throw new AppError('not_found');
    const variant = sharedVariant(request);
    if (!hasShareAccess(request, shared.share, Date.now())) throw new AppError('not_found');
    return serveMedia(request, reply, deps.photos, shared.photo, variant);
  });

  // An album link's photos, each under the link itself: the viewer never gets an owner's URL.
  app.get('/s/:token/photos/:photoId/', { config }, async (request, reply) => {
    const { shared, photo } = await openAlbumPhoto(request, deps);
    const base = `${shared.path}photos/${photo.id}/`;
    return sendPage(reply, <SharedPhotoPage context={viewContextFor(request, reply)} photo={sharedView(photo)} mediaBase={`${base}media/`} back={{ href: shared.path, label: shared.kind === 'album' ? shared.album.name : '' }} />);
  });

  app.get('/s/:token/photos/:photoId/media/:variant', { config }, async (request, reply) => {
    const variant = sharedVariant(request);
    const { photo } = await openAlbumPhoto(request, deps);
    return serveMedia(request, reply, deps.photos, photo, variant);
  });
}

type OpenShare = ShareWithTarget & {
  /** `/s/<token>/`, built only from a token already found well-formed and live. */
  readonly path: string;
};

/** The live link named in the URL; every kind of dead or bad link is the same 404. */
async function openShare(request: FastifyRequest, deps: ShareRoutesDeps): Promise<OpenShare> {
  const token = (request.params as Record<string, unknown>)['token'];
  const shared = await deps.shares.open(token);
  if (!shared) throw new AppError('not_found');
  return { ...shared, path: `/s/${String(token)}/` };
}

/** A ready photo of the live album link named in the URL, once the viewer may see the album. */
async function openAlbumPhoto(request: FastifyRequest, deps: ShareRoutesDeps): Promise<{ shared: OpenShare; photo: PhotoRecord }> {
  const shared = await openShare(request, deps);
  const photoId = (request.params as Record<string, unknown>)['photoId'];
  if (shared.kind !== 'album' || typeof photoId !== 'string' || !RANDOM_ID.test(photoId)) throw new AppError('not_found');
  if (!hasShareAccess(request, shared.share, Date.now())) throw new AppError('not_found');
  const photo = await albumSource(deps).findReadyPhoto(shared.album.id, photoId);
  if (!photo) throw new AppError('not_found');
  return { shared, photo };
}

function albumSource(deps: ShareRoutesDeps): SharedAlbumSource {
  if (!deps.albums) throw new AppError('not_found');
  return deps.albums;
}

function sharedVariant(request: FastifyRequest): string {
  const variant = (request.params as Record<string, unknown>)['variant'];
  if (typeof variant !== 'string' || !SHARED_VARIANTS.has(variant)) throw new AppError('not_found');
  return variant;
}

function sharedView(photo: PhotoRecord) {
  return { title: photo.title, altText: photo.alt_text, caption: photo.caption, width: photo.width, height: photo.height, placeholder: photo.placeholder };
}

function sendPasswordPage(request: FastifyRequest, reply: FastifyReply, shared: OpenShare, errors: readonly string[], status: number) {
  return sendPage(reply, <SharePasswordPage context={viewContextFor(request, reply)} action={shared.path} what={shared.kind} errors={errors} />, status);
}

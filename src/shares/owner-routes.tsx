import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import { parsePhotoId } from '../photos/photo-id.js';
import type { PhotoRecord } from '../photos/photo-repository.js';
import type { PhotoService } from '../photos/photo-service.js';
import { readForm } from '../web/forms.js';
import { ownerPagePath, sendPhotoPageWithShares, type ShareSectionExtras } from './share-section.js';
import type { ShareService, ShareSubject } from './share-service.js';
import { ownedPhoto } from '../photos/owned-photo.js';
import type { SharedAlbumSource } from './public-routes.js';
import { redirectWithNotice } from '../web/notices.js';
import { redirectRevealing, type RevealSealer } from '../web/one-time-reveal.js';

export interface ShareRoutesDeps {
  readonly photos: PhotoService;
  readonly shares: ShareService;
  /** Carries a new link's token to the page that shows it once (POST → redirect → GET). */
  readonly reveals: RevealSealer;
  /** Other sections of the photo page (albums), drawn again when a share form answers with that page. */
  readonly photoSections?: (request: FastifyRequest, reply: FastifyReply, photo: PhotoRecord) => Promise<ComponentChildren>;
  /** The ready photos of shared albums (album links answer 404 without it). */
  readonly albums?: SharedAlbumSource;
}

/** How one kind of shared thing (photo, album) plugs into the owner's share forms. */
export interface OwnerShareTarget<T> {
  readonly kind: ShareSubject['kind'];
  /** The thing named by the URL's `:id` if the signed-in user owns it; a 404 otherwise. */
  readonly load: (request: FastifyRequest) => Promise<T>;
  readonly subjectOf: (loaded: T) => ShareSubject;
  /** The id in the URL, checked for shape (404 otherwise) without a look-up. */
  readonly parseId: (raw: unknown) => string;
  /** The owner's page of the thing with its share section, as the answer to a refused share form. */
  readonly sendPage: (request: FastifyRequest, reply: FastifyReply, loaded: T, extras: ShareSectionExtras, status?: number) => Promise<FastifyReply>;
}

/**
 * The owner's share forms under `/<kind>s/<id>/shares/`: create and revoke. Signed in, CSRF-checked,
 * owner-only. The new link's token is never stored and never put in a URL: it rides to the owner's
 * page in a sealed two-minute cookie that the page clears as it shows the link, so it is shown
 * exactly once and a refresh neither shows it again nor makes another link.
 */
export function registerOwnerShareRoutes<T>(app: FastifyInstance, shares: ShareService, reveals: RevealSealer, target: OwnerShareTarget<T>): void {
  const base = `/${target.kind}s/:id/shares/`;
  app.post(base, async (request, reply) => {
    const loaded = await target.load(request);
    const subject = target.subjectOf(loaded);
    const form = readForm(request.body, ['expires_in', 'password'] as const);
    const result = await shares.create(subject, { expiresIn: form.expires_in, password: form.password });
    if (!result.ok) return target.sendPage(request, reply, loaded, { errors: result.errors }, result.status);
    const id = subject.kind === 'photo' ? subject.photo.id : subject.album.id;
    request.log.info({ event: 'share_created', [`${target.kind}_id`]: id, share_id: result.link.id, password: result.link.hasPassword }, 'share link created');
    return redirectRevealing(reply, reveals, ownerPagePath({ kind: target.kind, id }), `${result.link.id}.${result.token}`, '#share-links');
  });

  app.post(`${base}:shareId/revoke/`, async (request, reply) => {
    const user = requireUser(request);
    const id = target.parseId((request.params as Record<string, unknown>)['id']);
    const shareId = (request.params as Record<string, unknown>)['shareId'];
    // Another user's link, a link to something else and no link at all get the same 404.
    if (typeof shareId !== 'string' || !(await shares.revoke(user.id, { kind: target.kind, id }, shareId))) throw new AppError('not_found');
    request.log.info({ event: 'share_revoked', [`${target.kind}_id`]: id, share_id: shareId }, 'share link revoked');
    return redirectWithNotice(reply, `${ownerPagePath({ kind: target.kind, id })}#share-links`, 'share_revoked');
  });
}

/** The owner's side for photos: create and revoke links from the photo page. */
export async function ownerShareRoutes(app: FastifyInstance, deps: ShareRoutesDeps): Promise<void> {
  registerOwnerShareRoutes(app, deps.shares, deps.reveals, {
    kind: 'photo',
    load: (request) => ownedPhoto(request, deps.photos),
    subjectOf: (photo) => ({ kind: 'photo', photo }),
    parseId: parsePhotoId,
    sendPage: (request, reply, photo, extras, status) => sendPhotoPageWithShares(deps, request, reply, photo, extras, status),
  });
}

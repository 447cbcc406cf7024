import type { FastifyInstance } from 'fastify';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import { parsePhotoId } from '../photos/photo-id.js';
import type { PhotoService } from '../photos/photo-service.js';
import { readForm } from '../web/forms.js';
import { sendPhotoPageWithShares } from './share-section.js';
import type { ShareService } from './share-service.js';
import { ownedPhoto } from '../photos/owned-photo.js';
import { redirectWithNotice } from '../web/notices.js';
import { redirectRevealing, type RevealSealer } from '../web/one-time-reveal.js';

export interface ShareRoutesDeps {
  readonly photos: PhotoService;
  readonly shares: ShareService;
  /** Carries a new link's token to the photo page that shows it once (POST → redirect → GET). */
  readonly reveals: RevealSealer;
}

/** The owner's side: create and revoke links from the photo page (signed in, CSRF-checked, owner-only). */
export async function ownerShareRoutes(app: FastifyInstance, deps: ShareRoutesDeps): Promise<void> {
  // The new link's token is never stored and never put in a URL: it rides to the photo page in a
  // sealed two-minute cookie that the page clears as it shows the link, so it is shown exactly once
  // and a refresh neither shows it again nor makes another link.
  app.post('/photos/:id/shares/', async (request, reply) => {
    const photo = await ownedPhoto(request, deps.photos);
    const form = readForm(request.body, ['expires_in', 'password'] as const);
    const result = await deps.shares.create(photo, { expiresIn: form.expires_in, password: form.password });
    if (!result.ok) return sendPhotoPageWithShares(deps.shares, request, reply, photo, { errors: result.errors }, result.status);
    request.log.info({ event: 'share_created', photo_id: photo.id, share_id: result.link.id, password: result.link.hasPassword }, 'share link created');
    return redirectRevealing(reply, deps.reveals, `/photos/${photo.id}/`, `${result.link.id}.${result.token}`, '#share-links');
  });

  app.post('/photos/:id/shares/:shareId/revoke/', async (request, reply) => {
    const user = requireUser(request);
    const photoId = parsePhotoId((request.params as Record<string, unknown>)['id']);
    const shareId = (request.params as Record<string, unknown>)['shareId'];
    // Another user's link, a link to another photo and no link at all get the same 404.
    if (typeof shareId !== 'string' || !(await deps.shares.revoke(user.id, photoId, shareId))) throw new AppError('not_found');
    request.log.info({ event: 'share_revoked', photo_id: photoId, share_id: shareId }, 'share link revoked');
    return redirectWithNotice(reply, `/photos/${photoId}/#share-links`, 'share_revoked');
  });
}


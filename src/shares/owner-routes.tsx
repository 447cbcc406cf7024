import type { FastifyInstance } from 'fastify';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import { parsePhotoId } from '../photos/photo-id.js';
import type { PhotoService } from '../photos/photo-service.js';
import { readForm } from '../web/forms.js';
import { sendPhotoPageWithShares } from './share-section.js';
import type { ShareService } from './share-service.js';
import { ownedPhoto } from '../photos/owned-photo.js';

export interface ShareRoutesDeps {
  readonly photos: PhotoService;
  readonly shares: ShareService;
}

/** The owner's side: create and revoke links from the photo page (signed in, CSRF-checked, owner-only). */
export async function ownerShareRoutes(app: FastifyInstance, deps: ShareRoutesDeps): Promise<void> {
  // The new link is drawn into this response only (never stored, never redirected through a URL),
  // so it is shown exactly once; the page is private and so never cached.
  app.post('/photos/:id/shares/', async (request, reply) => {
    const photo = await ownedPhoto(request, deps.photos);
    const form = readForm(request.body, ['expires_in', 'password'] as const);
    const result = await deps.shares.create(photo, { expiresIn: form.expires_in, password: form.password });
    if (!result.ok) return sendPhotoPageWithShares(deps.shares, request, reply, photo, { errors: result.errors }, result.status);
    request.log.info({ event: 'share_created', photo_id: photo.id, share_id: result.link.id, password: result.link.hasPassword }, 'share link created');
    const created = { url: `${request.protocol}://${request.host}/s/${result.token}/`, expiresAt: result.link.expiresAt, hasPassword: result.link.hasPassword };
    return sendPhotoPageWithShares(deps.shares, request, reply, photo, { created });
  });

  app.post('/photos/:id/shares/:shareId/revoke/', async (request, reply) => {
    const user = requireUser(request);
    const photoId = parsePhotoId((request.params as Record<string, unknown>)['id']);
    const shareId = (request.params as Record<string, unknown>)['shareId'];
    // Another user's link, a link to another photo and no link at all get the same 404.
    if (typeof shareId !== 'string' || !(await deps.shares.revoke(user.id, photoId, shareId))) throw new AppError('not_found');
    request.log.info({ event: 'share_revoked', photo_id: photoId, share_id: shareId }, 'share link revoked');
    return reply.redirect(`/photos/${photoId}/#share-links`, 303);
  });
}


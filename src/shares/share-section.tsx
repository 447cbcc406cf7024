import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JSX } from 'preact';
import type { PhotoRecord } from '../photos/photo-repository.js';
import { PENDING_STATUSES } from '../photos/photo-service.js';
import { toView } from '../photos/routes.js';
import { ShareLinksSection } from '../views/components/share-links-section.js';
import { PhotoPage } from '../views/pages/photo-page.js';
import { sendPage, viewContextFor } from '../web/pages.js';
import { DEFAULT_EXPIRY_DAYS, describeUnshareable, EXPIRY_CHOICES } from './share-rules.js';
import type { ShareService } from './share-service.js';
import { takeRevealed, type RevealSealer } from '../web/one-time-reveal.js';

export interface ShareSectionExtras {
  readonly created?: { readonly url: string; readonly expiresAt: number; readonly hasPassword: boolean };
  readonly errors?: readonly string[];
}

/** The owner's share section for a photo they own (the caller has checked ownership). */
export async function renderShareSection(shares: ShareService, reply: FastifyReply, photo: PhotoRecord, extras: ShareSectionExtras = {}): Promise<JSX.Element> {
  const links = await shares.listForPhoto(photo.owner_id, photo.id);
  return (
    <ShareLinksSection
      csrfToken={reply.csrfToken()}
      photoId={photo.id}
      links={links}
      unshareable={describeUnshareable(photo.status)}
      created={extras.created}
      errors={extras.errors}
      expiryChoices={EXPIRY_CHOICES}
      defaultExpiry={DEFAULT_EXPIRY_DAYS}
    />
  );
}

/**
 * The link just created for this photo, when the create form redirected here with its token: only
 * if the token opens a live link of this very photo (a cookie from another photo's form, an old or
 * tampered one shows nothing).
 */
export async function revealedShare(shares: ShareService, request: FastifyRequest, reply: FastifyReply, reveals: RevealSealer, photo: PhotoRecord): Promise<ShareSectionExtras['created']> {
  const revealed = takeRevealed(request, reply, reveals, `/photos/${photo.id}/`);
  if (revealed === undefined) return undefined;
  const [shareId, token] = revealed.split('.', 2);
  const found = await shares.open(token);
  if (!found || found.share.id !== shareId || found.photo.id !== photo.id || found.share.owner_id !== photo.owner_id) return undefined;
  return { url: `${request.protocol}://${request.host}/s/${token}/`, expiresAt: found.share.expires_at, hasPassword: found.share.password_hash !== '' };
}

/** The photo page with its share section, as a form's answer (e.g. the one that shows a new link). */
export async function sendPhotoPageWithShares(shares: ShareService, request: FastifyRequest, reply: FastifyReply, photo: PhotoRecord, extras: ShareSectionExtras, status = 200) {
  const section = await renderShareSection(shares, reply, photo, extras);
  const page = (
    <PhotoPage context={viewContextFor(request, reply)} photo={toView(photo)} pending={PENDING_STATUSES.has(photo.status)}>
      {section}
    </PhotoPage>
  );
  return sendPage(reply, page, status);
}

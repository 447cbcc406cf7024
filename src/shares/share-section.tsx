import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren, JSX } from 'preact';
import type { PhotoRecord } from '../photos/photo-repository.js';
import { PENDING_STATUSES } from '../photos/photo-service.js';
import { toView } from '../photos/routes.js';
import { ShareLinksSection } from '../views/components/share-links-section.js';
import { PhotoPage } from '../views/pages/photo-page.js';
import { sendPage, viewContextFor } from '../web/pages.js';
import type { ShareTarget } from './share-repository.js';
import { takeRevealed, type RevealSealer } from '../web/one-time-reveal.js';
import { DEFAULT_EXPIRY_DAYS, describeUnshareable, EXPIRY_CHOICES } from './share-rules.js';
import type { ShareService } from './share-service.js';

export interface ShareSectionExtras {
  readonly created?: { readonly url: string; readonly expiresAt: number; readonly hasPassword: boolean };
  readonly errors?: readonly string[];
}

/** The owner's share section for a photo or album they own (the caller has checked ownership). */
export async function renderShareSection(
  shares: ShareService,
  reply: FastifyReply,
  ownerId: string,
  target: ShareTarget,
  unshareable: string | null,
  extras: ShareSectionExtras = {},
): Promise<JSX.Element> {
  const links = await shares.list(ownerId, target);
  return (
    <ShareLinksSection
      csrfToken={reply.csrfToken()}
      target={target}
      links={links}
      unshareable={unshareable}
      created={extras.created}
      errors={extras.errors}
      expiryChoices={EXPIRY_CHOICES}
      defaultExpiry={DEFAULT_EXPIRY_DAYS}
    />
  );
}

/** A photo's share section (only ready photos can be shared). */
export function renderPhotoShareSection(shares: ShareService, reply: FastifyReply, photo: PhotoRecord, extras: ShareSectionExtras = {}): Promise<JSX.Element> {
  return renderShareSection(shares, reply, photo.owner_id, { kind: 'photo', id: photo.id }, describeUnshareable(photo.status), extras);
}

/** Where the owner's page of a shared thing lives: `/photos/<id>/` or `/albums/<id>/`. */
export function ownerPagePath(target: ShareTarget): string {
  return `/${target.kind}s/${target.id}/`;
}

/**
 * The link just created for this photo or album, when the create form redirected here with its
 * token: only if the token opens a live link of this very target of this owner (a cookie from
 * another page's form, an old or tampered one shows nothing).
 */
export async function revealedShare(
  shares: ShareService,
  request: FastifyRequest,
  reply: FastifyReply,
  reveals: RevealSealer,
  ownerId: string,
  target: ShareTarget,
): Promise<ShareSectionExtras['created']> {
  const revealed = takeRevealed(request, reply, reveals, ownerPagePath(target));
  if (revealed === undefined) return undefined;
  const [shareId, token] = revealed.split('.', 2);
  const found = await shares.open(token);
  if (!found || found.share.id !== shareId || found.share.owner_id !== ownerId) return undefined;
  const foundId = found.kind === 'photo' ? found.photo.id : found.album.id;
  if (found.kind !== target.kind || foundId !== target.id) return undefined;
  return { url: `${request.protocol}://${request.host}/s/${token}/`, expiresAt: found.share.expires_at, hasPassword: found.share.password_hash !== '' };
}

interface PhotoPageDeps {
  readonly shares: ShareService;
  readonly photoSections?: (request: FastifyRequest, reply: FastifyReply, photo: PhotoRecord) => Promise<ComponentChildren>;
}

/** The photo page with its sections, as a share form's answer (e.g. the one that shows a new link). */
export async function sendPhotoPageWithShares(deps: PhotoPageDeps, request: FastifyRequest, reply: FastifyReply, photo: PhotoRecord, extras: ShareSectionExtras, status = 200) {
  const others = await deps.photoSections?.(request, reply, photo);
  const section = await renderPhotoShareSection(deps.shares, reply, photo, extras);
  const page = (
    <PhotoPage context={viewContextFor(request, reply)} photo={toView(photo)} pending={PENDING_STATUSES.has(photo.status)}>
      {others}
      {section}
    </PhotoPage>
  );
  return sendPage(reply, page, status);
}

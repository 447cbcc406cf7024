import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';

/**
 * One-time messages after an action ("Details saved."), carried across the POST → redirect → GET
 * by a short-lived cookie. The cookie holds only a key of this catalogue, never text: a planted or
 * forged cookie can at worst show one of these sentences, and nothing a user typed is reflected.
 */
export const NOTICES = {
  photo_saved: 'Details saved.',
  photo_deleted: 'Photo deleted for good.',
  photo_duplicate: 'You already have this photo, so it was not stored again: here it is.',
  share_revoked: 'Share link revoked: it no longer opens anything.',
  album_created: 'Album created.',
  album_renamed: 'Album renamed.',
  album_deleted: 'Album deleted. Its photos are still in your gallery.',
  album_photos_added: 'Added to the album.',
  album_photos_removed: 'Removed from the album. The photos are still in your gallery.',
  album_cover_set: 'Album cover changed.',
  photo_trashed: 'Moved to the Trash.',
  photos_trashed: 'The selected photos were moved to the Trash.',
  photo_restored: 'Restored: the photo is back in your library.',
  trash_emptied: 'The Trash was emptied: its photos are deleted for good.',
  token_revoked: 'API token revoked.',
  logged_out: 'You have been logged out.',
  logged_out_everywhere: 'You have been logged out on every device.',
} as const;

export type NoticeKey = keyof typeof NOTICES;

/** A fixed link drawn after a notice (an undo): from this catalogue too, never from the request. */
export interface NoticeLink {
  readonly href: string;
  readonly label: string;
}

const NOTICE_LINKS: Partial<Record<NoticeKey, NoticeLink>> = {
  photo_trashed: { href: '/photos/trash/', label: 'Restore it from the Trash' },
  photos_trashed: { href: '/photos/trash/', label: 'Restore them from the Trash' },
};

const PLAIN_NAME = 'pv_notice';
// Same prefix rule as the session cookie: over HTTPS a sibling subdomain cannot plant it.
const HOST_NAME = '__Host-pv_notice';
const MAX_AGE_SECONDS = 60;

function cookieName(request: FastifyRequest): string {
  return request.protocol === 'https' ? HOST_NAME : PLAIN_NAME;
}

function cookieOptions(request: FastifyRequest) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: request.protocol === 'https' };
}

/** Answers a form with a 303 to `url`, where the page then shows the notice once. */
export function redirectWithNotice(reply: FastifyReply, url: string, notice: NoticeKey): FastifyReply {
  reply.setCookie(cookieName(reply.request), notice, { ...cookieOptions(reply.request), maxAge: MAX_AGE_SECONDS });
  return reply.redirect(url, 303);
}

function isNoticeKey(value: string | undefined): value is NoticeKey {
  return value !== undefined && Object.hasOwn(NOTICES, value);
}

/** The notice waiting for this page (its text and, for some, a link), if any, cleared so that a refresh does not show it again. */
export function takeNotice(request: FastifyRequest, reply: FastifyReply): { readonly text: string; readonly link: NoticeLink | undefined } | undefined {
  const value = request.cookies[cookieName(request)];
  if (value === undefined) return undefined;
  reply.clearCookie(cookieName(request), cookieOptions(request));
  return isNoticeKey(value) ? { text: NOTICES[value], link: NOTICE_LINKS[value] } : undefined;
}

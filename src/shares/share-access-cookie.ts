import { createHash } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ShareLinkRow } from './share-repository.js';

const COOKIE_PREFIX = 'pv_share_';
// Short-lived: a viewer re-enters the password after an hour, and never past the link's expiry.
const ACCESS_MS = 60 * 60 * 1000;

/**
 * After a correct password, the viewer's browser holds a signed grant for that one link:
 * `<share id>.<password version>.<valid until>`, HMAC-signed by @fastify/cookie with the app's
 * secret key, HttpOnly, SameSite=Lax and scoped to the link's path. The server checks the
 * signature, the link id, the password hash it was granted against, and the time itself, so a
 * forged, unsigned, replayed-too-late or other link's cookie grants nothing.
 */
export function grantShareAccess(reply: FastifyReply, share: ShareLinkRow, linkPath: string, now: number): void {
  const until = Math.min(now + ACCESS_MS, share.expires_at);
  reply.setCookie(cookieName(share), `${share.id}.${passwordVersion(share)}.${until}`, {
    path: linkPath,
    httpOnly: true,
    sameSite: 'lax',
    secure: reply.request.protocol === 'https',
    signed: true,
    maxAge: Math.max(1, Math.floor((until - now) / 1000)),
  });
}

/** Whether the request may see the link's photo: no password, or a valid grant for this link. */
export function hasShareAccess(request: FastifyRequest, share: ShareLinkRow, now: number): boolean {
  if (share.password_hash === '') return true;
  const raw = request.cookies[cookieName(share)];
  if (!raw) return false;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null) return false;
  const [id, version, until, ...rest] = unsigned.value.split('.');
  if (rest.length > 0 || id !== share.id || version !== passwordVersion(share)) return false;
  return /^\d{1,16}$/.test(until ?? '') && Number(until) > now;
}

function cookieName(share: ShareLinkRow): string {
  return COOKIE_PREFIX + share.id;
}

// A fingerprint of the stored password hash (never the hash itself): a new password ends old grants.
function passwordVersion(share: ShareLinkRow): string {
  return createHash('sha256').update(share.password_hash).digest('base64url').slice(0, 16);
}

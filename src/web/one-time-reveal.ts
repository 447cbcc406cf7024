import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';

/**
 * Shows a secret made by a form (a new share link's token) on the page the form redirects to, once,
 * so that a refresh neither re-submits the form nor shows the secret again (POST → redirect → GET).
 * The secret rides in a cookie that lives two minutes, is scoped to that page's path, is sent only
 * by same-site navigations and is sealed with AES-256-GCM under a key derived from SECRET_KEY: a
 * copy of the browser's cookie store left on disk gives nothing without the server's key, and a
 * cookie planted or altered by anyone else fails to open. The page clears it when it shows it.
 * The server stores nothing, so this works the same with several instances behind a balancer.
 */
export interface RevealSealer {
  seal(plain: string): string;
  open(sealed: string): string | undefined;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const MAX_AGE_SECONDS = 120;

export function createRevealSealer(secretKey: string): RevealSealer {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'photovault', 'one-time reveal cookie v1', 32));
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length <= IV_BYTES + TAG_BYTES || bytes.length > 4096) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}

function cookieName(request: FastifyRequest): string {
  // Not __Host- (that needs Path=/); __Secure- still stops a plain-HTTP page from setting it.
  return request.protocol === 'https' ? '__Secure-pv_reveal' : 'pv_reveal';
}

function cookieOptions(request: FastifyRequest, path: string) {
  return { path, httpOnly: true, sameSite: 'strict' as const, secure: request.protocol === 'https' };
}

/** Answers the form with a 303 to `path` (plus `fragment`), whose page then reveals `secret` once. */
export function redirectRevealing(reply: FastifyReply, sealer: RevealSealer, path: string, secret: string, fragment = ''): FastifyReply {
  reply.setCookie(cookieName(reply.request), sealer.seal(secret), { ...cookieOptions(reply.request, path), maxAge: MAX_AGE_SECONDS });
  return reply.redirect(`${path}${fragment}`, 303);
}

/** The secret waiting for this page (`path` as given to redirectRevealing), cleared as it is read. */
export function takeRevealed(request: FastifyRequest, reply: FastifyReply, sealer: RevealSealer, path: string): string | undefined {
  const sealed = request.cookies[cookieName(request)];
  if (sealed === undefined) return undefined;
  reply.clearCookie(cookieName(request), cookieOptions(request, path));
  return sealer.open(sealed);
}

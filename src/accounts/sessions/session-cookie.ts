import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';

/**
 * A credential cookie: HttpOnly, SameSite=Lax, Path=/, and over HTTPS Secure with the RFC 6265bis
 * __Host- prefix (no Domain), so a sibling subdomain cannot plant or read it.
 */
export function credentialCookie(plainName: string) {
  const hostName = `__Host-${plainName}`;
  const nameFor = (request: FastifyRequest) => (request.protocol === 'https' ? hostName : plainName);
  const attributes = (reply: FastifyReply) => ({ path: '/', httpOnly: true, sameSite: 'lax' as const, secure: reply.request.protocol === 'https' });
  return {
    read: (request: FastifyRequest): string | undefined => request.cookies[nameFor(request)],
    set: (reply: FastifyReply, value: string, maxAgeSeconds: number): void => {
      reply.setCookie(nameFor(reply.request), value, { ...attributes(reply), maxAge: maxAgeSeconds });
    },
    clear: (reply: FastifyReply): void => {
      reply.clearCookie(nameFor(reply.request), attributes(reply));
    },
  };
}

const sessionCookie = credentialCookie('pv_session');

export function readSessionCookie(request: FastifyRequest): string | undefined {
  return sessionCookie.read(request);
}

export function setSessionCookie(reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  sessionCookie.set(reply, token, maxAgeSeconds);
}

export function clearSessionCookie(reply: FastifyReply): void {
  sessionCookie.clear(reply);
}

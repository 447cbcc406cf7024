import type { FastifyReply, FastifyRequest } from 'fastify';
import type {} from '@fastify/cookie';

const PLAIN_NAME = 'pv_session';
// RFC 6265bis __Host- prefix: Secure, Path=/, no Domain, so a sibling subdomain cannot plant or read it.
const HOST_NAME = '__Host-pv_session';

function cookieName(request: FastifyRequest): string {
  return request.protocol === 'https' ? HOST_NAME : PLAIN_NAME;
}

export function readSessionCookie(request: FastifyRequest): string | undefined {
  return request.cookies[cookieName(request)];
}

export function setSessionCookie(reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  const secure = reply.request.protocol === 'https';
  reply.setCookie(cookieName(reply.request), token, { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: maxAgeSeconds });
}

export function clearSessionCookie(reply: FastifyReply): void {
  const secure = reply.request.protocol === 'https';
  reply.clearCookie(cookieName(reply.request), { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

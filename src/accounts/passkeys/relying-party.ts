import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** Who the passkeys belong to: the RP ID (a registrable domain) and the exact origin pages run at. */
export interface RelyingParty {
  readonly id: string;
  readonly origin: string;
}

export interface RelyingPartyOptions {
  /** PUBLIC_URL (an origin); when set it alone decides. */
  readonly publicUrl: string | undefined;
  /** Without PUBLIC_URL, whether the request's own host may serve (development and tests). */
  readonly trustRequestHost: boolean;
}

/**
 * The relying party for a request, or null when passkeys cannot work here (W3C WebAuthn §5.1.3,
 * §13.4.9: the server must check the origin and the RP ID hash against values it knows).
 * - PUBLIC_URL set: its origin and host name, whatever Host the request carries; a ceremony from
 *   any other origin fails verification.
 * - Otherwise the request's own scheme and host, only where that cannot be a deployment reached by
 *   other names (NODE_ENV development/test, or `localhost`), since a Host header is the client's
 *   word. An IP address is never an RP ID (WebAuthn requires a domain).
 * A request whose Origin header names another origin is refused either way.
 */
export function relyingPartyFor(request: FastifyRequest, options: RelyingPartyOptions): RelyingParty | null {
  const rp = options.publicUrl !== undefined ? fromPublicUrl(options.publicUrl) : fromRequest(request, options.trustRequestHost);
  if (!rp) return null;
  const origin = request.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== rp.origin) return null;
  return rp;
}

function fromPublicUrl(publicUrl: string): RelyingParty | null {
  const url = new URL(publicUrl);
  return isIP(url.hostname.replace(/^\[|\]$/g, '')) === 0 ? { id: url.hostname, origin: url.origin } : null;
}

function fromRequest(request: FastifyRequest, trustRequestHost: boolean): RelyingParty | null {
  const hostname = request.hostname.toLowerCase();
  if (hostname === '' || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0 || !/^[a-z0-9.-]+$/.test(hostname)) return null;
  if (!trustRequestHost && hostname !== 'localhost') return null;
  const url = new URL(`${request.protocol}://${request.host}`);
  return { id: url.hostname, origin: url.origin };
}

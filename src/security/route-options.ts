// Per-route security options. Deny by default: a route is private, CSRF-checked and (if private)
// never cached unless it says otherwise here.
import 'fastify';

export interface AuthenticatedUser {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  /**
   * users.photos_version as read with the session or token on this request: it changes whenever
   * any of the user's photos does, so what was built from their photos under the same number is
   * still current.
   */
  readonly photosVersion: number;
}

export interface AuthenticatedSession {
  /** SHA-256 of the session token (safe to log and to bind CSRF tokens to). */
  readonly idHash: string;
  readonly createdAt: number;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without signing in. Default false: every route requires a session. */
    public?: boolean;
    /** Force (true) or waive (false) never-cache headers, overriding the path-prefix policy. */
    neverCache?: boolean;
    /** Set to false only on a route that proves it changes nothing (e.g. a search form posted with POST). */
    csrf?: boolean;
    /**
     * Set to false on a route that never renders a page (media files): its answers get the CSP
     * without nonces, and `reply.cspNonce` is null. Default: nonces drawn for every answer.
     */
    html?: boolean;
    /** The route streams a multipart body through receiveUpload(), which checks its CSRF field. */
    multipartUpload?: boolean;
  }
  interface FastifyRequest {
    user: AuthenticatedUser | null;
    session: AuthenticatedSession | null;
  }
}

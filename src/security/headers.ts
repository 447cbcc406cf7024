import { randomFillSync } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

// Browser features this app never uses (W3C Permissions Policy).
const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'usb=()',
  'interest-cohort=()',
].join(', ');

const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

// Scripts only from this origin (plus a per-response nonce); nothing inline, no eval.
const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  mediaSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  frameSrc: ["'none'"],
  workerSrc: ["'self'"],
  manifestSrc: ["'self'"],
} as const;

// The CSP as helmet formats it ("default-src 'self';script-src …"), with extra sources per directive.
function formatCsp(extra: Partial<Record<keyof typeof CSP_DIRECTIVES, string>> = {}): string {
  return (Object.entries(CSP_DIRECTIVES) as [keyof typeof CSP_DIRECTIVES, readonly string[]][])
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${[...values, ...(extra[name] ? [extra[name]] : [])].join(' ')}`)
    .join(';');
}

// The CSP with its two nonce slots, cut once per app into the three constant pieces around them.
const NONCE_SLOT = '\u0000nonce\u0000';
function cspPieces(imgSources: readonly string[]): string[] {
  const extra = { scriptSrc: `'nonce-${NONCE_SLOT}'`, styleSrc: `'nonce-${NONCE_SLOT}'`, ...(imgSources.length > 0 ? { imgSrc: imgSources.join(' ') } : {}) };
  return formatCsp(extra).split(NONCE_SLOT);
}

// Every other header helmet's configuration sent (frameguard deny, same-origin referrer/COOP/CORP,
// origin-agent-cluster, no DNS prefetch, noopen, no cross-domain policies, X-XSS-Protection off).
const STATIC_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'DENY',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'permissions-policy': PERMISSIONS_POLICY,
} as const;

// For answers written outside the hook chain (see below), and for every answer of a route that
// never renders a page (`html: false`): the same headers, the CSP without nonces.
const FALLBACK_HEADERS = { 'content-security-policy': formatCsp(), ...STATIC_HEADERS } as const;

// Nonces are cut from a pool the CSPRNG refills every 128 responses (as node's randomUUID() does):
// one 16-byte read per nonce from the kernel-seeded generator cost more than the rest of this hook.
// Every byte is used once, so each nonce is still 128 fresh random bits.
const NONCE_BYTES = 16;
const noncePool = Buffer.alloc(NONCE_BYTES * 2 * 128);
let noncePoolOffset = noncePool.length;

function nextNonce(): string {
  if (noncePoolOffset === noncePool.length) {
    randomFillSync(noncePool);
    noncePoolOffset = 0;
  }
  const nonce = noncePool.toString('hex', noncePoolOffset, noncePoolOffset + NONCE_BYTES);
  noncePoolOffset += NONCE_BYTES;
  return nonce;
}

declare module 'fastify' {
  interface FastifyReply {
    /**
     * This response's CSP nonces (as @fastify/helmet named them), for a page that needs an inline
     * script or style; null on a route configured `html: false`, whose CSP has no nonces.
     */
    cspNonce: { script: string; style: string } | null;
  }
}

/**
 * Security headers on every response, 404s and errors included: a strict nonce-based CSP,
 * clickjacking protection (XFO DENY + frame-ancestors 'none'), nosniff, Referrer-Policy, COOP,
 * CORP, Permissions-Policy, and HSTS only when the request came over HTTPS (directly or via a
 * trusted proxy) — HSTS over plain HTTP is ignored by browsers and would break local use.
 */
export interface SecurityHeadersOptions {
  /** Origins images may also come from (MEDIA_DELIVERY=redirect: the storage's signed links). */
  readonly imgSources?: readonly string[];
}

export async function registerSecurityHeaders(app: FastifyInstance, options: SecurityHeadersOptions = {}): Promise<void> {
  // Every value is built once, here: per response only the nonces and the request id are new.
  // (@fastify/helmet rebuilt the whole helmet middleware, parsing its configuration, per request.)
  const imgSources = options.imgSources ?? [];
  const [CSP_HEAD = '', CSP_MIDDLE = '', CSP_TAIL = ''] = cspPieces(imgSources);
  const PAGELESS_HEADERS = { 'content-security-policy': formatCsp(imgSources.length > 0 ? { imgSrc: imgSources.join(' ') } : {}), ...STATIC_HEADERS };
  app.decorateReply('cspNonce', null);
  app.addHook('onRequest', (request, reply, done) => {
    // A route that never renders a page (a media file) gets no nonces: none would ever be used,
    // and drawing and formatting two was ~1% of a thumbnail's CPU. Its error pages (404) use no
    // inline script or style either, so the same CSP without nonces serves them unchanged.
    if (request.routeOptions.config?.html === false) {
      reply.headers(PAGELESS_HEADERS);
      applyOwnHeaders(request, reply);
      done();
      return;
    }
    const script = nextNonce();
    const style = nextNonce();
    reply.cspNonce = { script, style };
    reply.headers(STATIC_HEADERS);
    reply.header('content-security-policy', `${CSP_HEAD}${script}${CSP_MIDDLE}${style}${CSP_TAIL}`);
    applyOwnHeaders(request, reply);
    done();
  });
}

function applyOwnHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  if (request.protocol === 'https') reply.header('strict-transport-security', HSTS_VALUE);
}

/**
 * The same headers for an answer that Fastify writes without running any hook: a URL the router
 * cannot even decode goes straight to `frameworkErrors`, skipping the onRequest hook above.
 */
export function applyFallbackSecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(FALLBACK_HEADERS);
  applyOwnHeaders(request, reply);
}

const FALLBACK = '/photos/';

/**
 * Returns `next` when it is a same-site relative path, otherwise the fallback.
 * Rejects what browsers would resolve to another origin: `//host`, `/\host`, any scheme,
 * control characters and whitespace (Django's url_has_allowed_host_and_scheme; OWASP
 * Unvalidated Redirects cheat sheet).
 */
export function safeNextPath(next: unknown, fallback: string = FALLBACK): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return fallback;
  // Control characters and whitespace: browsers strip tabs/newlines, so "/\t/evil.com" becomes "//evil.com".
  if (/[\p{Cc} \u2028\u2029]/u.test(next)) return fallback;
  if (!next.startsWith('/')) return fallback;
  if (next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (next.includes('\\')) return fallback;
  try {
    const base = new URL('http://photovault.invalid');
    const resolved = new URL(next, base);
    if (resolved.origin !== base.origin) return fallback;
    const path = resolved.pathname + resolved.search + resolved.hash;
    // Dot segments can normalise into a scheme-relative "//host" ("/.//evil.com", "/a/..//evil.com",
    // "/%2e//evil.com"), which a browser would follow to another origin.
    if (path.startsWith('//') || path.startsWith('/\\')) return fallback;
    return path;
  } catch {
    return fallback;
  }
}

/** The login URL that brings the user back to `path` afterwards. */
export function loginUrlFor(path: string): string {
  return `/accounts/login/?next=${encodeURIComponent(safeNextPath(path))}`;
}

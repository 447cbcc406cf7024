/** What a state-changing request says about where it came from. */
export interface RequestOriginHeaders {
  /** `https://host[:port]` as this server sees itself (scheme and Host, through a trusted proxy). */
  readonly expectedOrigin: string;
  readonly origin: string | undefined;
  readonly referer: string | undefined;
  readonly secFetchSite: string | undefined;
  readonly https: boolean;
}

/**
 * Why a state-changing request did not come from a page of this origin, or null when it did.
 * The synchronizer token is checked afterwards in every case; this is the first of two locks.
 *
 * 1. Fetch Metadata decides when the browser sent it (W3C Fetch Metadata Request Headers §2.1;
 *    Go 1.25's CrossOriginProtection). `same-origin` is a page of ours; `none` is a navigation the
 *    user started outside any page (address bar, bookmark), which no other site can cause.
 *    `same-site` (a sibling subdomain or another port) and `cross-site` are refused.
 * 2. `Origin: null` is what a browser sends from a page whose Referrer-Policy is `no-referrer`
 *    (Fetch §3.1, "append a request `Origin` header"), but also from sandboxed frames and data:
 *    URLs of any site. It is accepted only beside `Sec-Fetch-Site: same-origin`, which a browser
 *    sets from the real initiator, never from that policy.
 * 3. A real Origin must be ours even beside `same-origin`: the two disagreeing is no browser.
 * 4. Without Fetch Metadata (plain HTTP to a host that is not localhost, or an older browser), the
 *    Origin check falls back to Referer; over HTTPS one of them is required, as in Django.
 */
export function crossOriginReason(headers: RequestOriginHeaders): string | null {
  const expected = headers.expectedOrigin.toLowerCase();
  const { origin, secFetchSite } = headers;
  if (origin !== undefined && origin !== 'null' && origin.toLowerCase() !== expected) return 'cross-origin request (Origin)';
  if (secFetchSite !== undefined) {
    if (secFetchSite === 'same-origin') return null;
    if (secFetchSite === 'none') return origin === 'null' ? 'opaque Origin outside a same-origin request' : null;
    return 'cross-origin request (Sec-Fetch-Site)';
  }
  if (origin === 'null') return 'opaque Origin without Fetch Metadata';
  if (origin !== undefined) return null;
  const { referer } = headers;
  if (referer !== undefined && referer !== '') {
    try {
      return new URL(referer).origin.toLowerCase() === expected ? null : 'cross-origin request (Referer)';
    } catch {
      return 'malformed Referer';
    }
  }
  // Over HTTPS a browser sends one of the two on every cross-site POST. Over plain HTTP,
  // non-browser clients may send neither; they still need the token.
  return headers.https ? 'neither Origin nor Referer over HTTPS' : null;
}

import { describe, expect, it } from 'vitest';
import { crossOriginReason, type RequestOriginHeaders } from '../../src/security/request-origin.js';

const SELF = 'http://photos.example';
const EVIL = 'http://evil.example';

function reason(headers: Partial<RequestOriginHeaders>): string | null {
  return crossOriginReason({ expectedOrigin: SELF, origin: undefined, referer: undefined, secFetchSite: undefined, https: false, ...headers });
}

describe('crossOriginReason: where a state-changing request came from', () => {
  describe('with Fetch Metadata (every current browser, to HTTPS and localhost)', () => {
    it.each<[string, Partial<RequestOriginHeaders>]>([
      ['a form of ours', { secFetchSite: 'same-origin', origin: SELF }],
      ['a form of ours on a no-referrer page (Origin: null)', { secFetchSite: 'same-origin', origin: 'null' }],
      ['a form of ours without Origin, over HTTPS', { secFetchSite: 'same-origin', https: true }],
      ['the origin in another case', { secFetchSite: 'same-origin', origin: 'HTTP://PHOTOS.EXAMPLE' }],
      ['a user-started navigation (none) without Origin', { secFetchSite: 'none' }],
      ['a user-started navigation (none) with our Origin', { secFetchSite: 'none', origin: SELF }],
    ])('accepts %s', (_label, headers) => {
      expect(reason(headers)).toBeNull();
    });

    it.each<[string, Partial<RequestOriginHeaders>]>([
      ['Origin null from another site', { secFetchSite: 'cross-site', origin: 'null' }],
      ['Origin null from a sibling subdomain', { secFetchSite: 'same-site', origin: 'null' }],
      ['Origin null beside none', { secFetchSite: 'none', origin: 'null' }],
      ['a sibling subdomain', { secFetchSite: 'same-site', origin: 'http://uploads.photos.example' }],
      ['a sibling subdomain claiming our Origin', { secFetchSite: 'same-site', origin: SELF }],
      ['another site', { secFetchSite: 'cross-site', origin: EVIL }],
      ['another site claiming our Origin', { secFetchSite: 'cross-site', origin: SELF }],
      ['another site with only our Referer', { secFetchSite: 'cross-site', referer: `${SELF}/photos/` }],
      ["another site's Origin beside same-origin (forged)", { secFetchSite: 'same-origin', origin: EVIL }],
      ['a look-alike Origin beside same-origin', { secFetchSite: 'same-origin', origin: 'http://photos.example.evil.example' }],
      ['our host over the other scheme beside same-origin', { secFetchSite: 'same-origin', origin: 'https://photos.example' }],
      ["another site's Origin beside none", { secFetchSite: 'none', origin: EVIL }],
      ['an empty Origin beside same-origin', { secFetchSite: 'same-origin', origin: '' }],
      ['an unknown Sec-Fetch-Site', { secFetchSite: 'trusted', origin: SELF }],
      ['an empty Sec-Fetch-Site', { secFetchSite: '', origin: SELF }],
      ['Sec-Fetch-Site in another case', { secFetchSite: 'Same-Origin', origin: 'null' }],
      ['a repeated Sec-Fetch-Site', { secFetchSite: 'same-origin, cross-site', origin: 'null' }],
    ])('refuses %s', (_label, headers) => {
      expect(reason(headers)).not.toBeNull();
    });
  });

  describe('without Fetch Metadata (plain HTTP to a LAN host, older browsers, other clients)', () => {
    it.each<[string, Partial<RequestOriginHeaders>]>([
      ['our Origin', { origin: SELF }],
      ['our Referer without Origin', { referer: `${SELF}/accounts/` }],
      ['neither, over plain HTTP (a script; the token still decides)', {}],
    ])('accepts %s', (_label, headers) => {
      expect(reason(headers)).toBeNull();
    });

    it.each<[string, Partial<RequestOriginHeaders>]>([
      ['Origin null (old browser, sandboxed frame, or a client that sends it)', { origin: 'null' }],
      ['Origin null over HTTPS', { origin: 'null', https: true }],
      ['Origin null with our Referer', { origin: 'null', referer: `${SELF}/accounts/` }],
      ['another Origin', { origin: EVIL }],
      ['another Origin with our Referer', { origin: EVIL, referer: `${SELF}/accounts/` }],
      ['another Referer', { referer: `${EVIL}/attack.html` }],
      ['a malformed Referer', { referer: 'not a url' }],
      ['neither, over HTTPS', { https: true, expectedOrigin: 'https://photos.example' }],
    ])('refuses %s', (_label, headers) => {
      expect(reason(headers)).not.toBeNull();
    });
  });
});

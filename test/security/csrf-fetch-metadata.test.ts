import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { TestClient } from '../support/client.js';
import { anonymousClient, createShare, signedInClient, uploadReadyPhoto } from '../shares/share-fixtures.js';

const HOST = 'photos.example';
const SELF = `http://${HOST}`;
const SHARE_PASSWORD = 'tidepool-heron';

// What browsers send from a form (W3C Fetch Metadata): a page of ours whose Referrer-Policy is
// no-referrer posts `Origin: null` beside `Sec-Fetch-Site: same-origin`.
const ACCEPTED: ReadonlyArray<[string, Record<string, string>]> = [
  ['Origin null from a same-origin no-referrer page', { origin: 'null', 'sec-fetch-site': 'same-origin' }],
  ['our Origin with Sec-Fetch-Site same-origin', { origin: SELF, 'sec-fetch-site': 'same-origin' }],
];
const REFUSED: ReadonlyArray<[string, Record<string, string>]> = [
  ['Origin null from another site', { origin: 'null', 'sec-fetch-site': 'cross-site' }],
  ['Origin null without Fetch Metadata (an old browser or a script)', { origin: 'null' }],
  ['Origin null from a sibling subdomain', { origin: 'null', 'sec-fetch-site': 'same-site' }],
  ['a sibling subdomain', { origin: `http://uploads.${HOST}`, 'sec-fetch-site': 'same-site' }],
  ["another site's Origin beside same-origin (forged)", { origin: 'http://evil.example', 'sec-fetch-site': 'same-origin' }],
  ['another site claiming our Origin', { origin: SELF, 'sec-fetch-site': 'cross-site' }],
];

describe.each(DIALECTS)('CSRF with Fetch Metadata (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
  });
  afterAll(() => t.close());

  async function signedIn() {
    const c = new TestClient(t.app, { host: HOST });
    await c.signupAndLogin(`fm_${Math.random().toString(36).slice(2, 10)}`);
    return c;
  }
  const stillSignedIn = async (c: TestClient) => (await c.get('/photos/')).statusCode === 200;

  it.each(ACCEPTED)('accepts %s with a valid token', async (_label, headers) => {
    const c = await signedIn();
    const res = await c.post('/accounts/logout/', { _csrf: await c.csrfFrom('/photos/') }, headers);
    expect(res.statusCode).toBe(303);
    expect(await stillSignedIn(c)).toBe(false);
  });

  it.each(ACCEPTED)('still needs the token: %s without one is refused', async (_label, headers) => {
    const c = await signedIn();
    const res = await c.post('/accounts/logout/', {}, headers);
    expect(res.statusCode).toBe(403);
    expect(await stillSignedIn(c)).toBe(true);
  });

  it.each(REFUSED)('refuses %s even with a valid token', async (_label, headers) => {
    const c = await signedIn();
    const res = await c.post('/accounts/logout/', { _csrf: await c.csrfFrom('/photos/') }, headers);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This form has expired or did not come from this site.');
    expect(await stillSignedIn(c)).toBe(true);
  });

  describe('the share password form', () => {
    let link: string;

    beforeAll(async () => {
      const owner = await signedInClient(t, `fm_owner_${dialect}`);
      const photoId = await uploadReadyPhoto(t, owner, 'Harbour');
      const { token } = await createShare(owner, photoId, { password: SHARE_PASSWORD });
      link = `/s/${token}/`;
    });

    async function unlock(headers: Record<string, string>, withToken = true) {
      const visitor = anonymousClient(t);
      Object.assign(visitor.defaultHeaders, { host: HOST });
      const csrf = await visitor.csrfFrom(link);
      const res = await visitor.post(link, { ...(withToken ? { _csrf: csrf } : {}), password: SHARE_PASSWORD }, headers);
      return { res, opened: (await visitor.get(link)).body.includes('<h1>Harbour</h1>') };
    }

    it('opens with Origin null from the password page itself', async () => {
      const { res, opened } = await unlock({ origin: 'null', 'sec-fetch-site': 'same-origin' });
      expect(res.statusCode).toBe(303);
      expect(opened).toBe(true);
    });

    it('stays shut without the token, whatever the headers', async () => {
      const { res, opened } = await unlock({ origin: 'null', 'sec-fetch-site': 'same-origin' }, false);
      expect(res.statusCode).toBe(403);
      expect(opened).toBe(false);
    });

    it.each(REFUSED)('stays shut for %s', async (_label, headers) => {
      const { res, opened } = await unlock(headers);
      expect(res.statusCode).toBe(403);
      expect(opened).toBe(false);
    });
  });
});

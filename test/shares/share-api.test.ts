import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { smallJpeg, uploadProcessed } from '../support/photos.js';

describe.each(DIALECTS)('share links over the JSON API (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let csrf: string;
  let photoId: string;

  const call = (client: TestClient, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    client.request({ method, url, headers: { accept: 'application/json', 'x-csrf-token': csrf }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_share_api');
    csrf = ((await alice.get('/api/v1/csrf-token')).json() as { token: string }).token;
    photoId = await uploadProcessed(t, alice, await smallJpeg());
  });
  afterAll(() => t.close());

  it('creates a link whose token works once given out, lists it without the token, and revokes it', async () => {
    const created = await call(alice, 'POST', `/api/v1/photos/${photoId}/shares`, { expires_in_days: 1 });
    expect(created.statusCode).toBe(201);
    const body = created.json() as { token: string; url: string; link: { id: string; state: string; has_password: boolean } };
    expect(body.url).toBe(`/s/${body.token}/`);
    expect(body.link).toMatchObject({ state: 'active', has_password: false });

    const anonymous = await t.app.inject({ url: body.url });
    expect(anonymous.statusCode).toBe(200);

    const list = await call(alice, 'GET', `/api/v1/photos/${photoId}/shares`);
    expect(list.body).not.toContain(body.token);
    expect((list.json() as { items: { id: string }[] }).items.map((l) => l.id)).toContain(body.link.id);

    expect((await call(alice, 'DELETE', `/api/v1/photos/${photoId}/shares/${body.link.id}`)).statusCode).toBe(204);
    expect((await t.app.inject({ url: body.url })).statusCode).toBe(404);
  });

  it('refuses bad input with problem documents', async () => {
    const weak = await call(alice, 'POST', `/api/v1/photos/${photoId}/shares`, { password: 'short' });
    expect(weak.statusCode).toBe(400);
    const badExpiry = await call(alice, 'POST', `/api/v1/photos/${photoId}/shares`, { expires_in_days: 365 });
    expect(badExpiry.statusCode).toBe(400);
    expect(badExpiry.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('is owner-only: another user gets 404 for list, create and revoke', async () => {
    const mine = (await call(alice, 'POST', `/api/v1/photos/${photoId}/shares`, {})).json() as { link: { id: string } };
    const bob = new TestClient(t.app);
    await bob.signupAndLogin('bob_share_api');
    const bobCsrf = ((await bob.get('/api/v1/csrf-token')).json() as { token: string }).token;
    const as = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => bob.request({ method, url, headers: { 'x-csrf-token': bobCsrf, accept: 'application/json' }, ...(payload ? { payload } : {}) });
    expect((await as('GET', `/api/v1/photos/${photoId}/shares`)).statusCode).toBe(404);
    expect((await as('POST', `/api/v1/photos/${photoId}/shares`, {})).statusCode).toBe(404);
    expect((await as('DELETE', `/api/v1/photos/${photoId}/shares/${mine.link.id}`)).statusCode).toBe(404);
  });
});

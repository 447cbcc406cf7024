import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../api/api-client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { expectConforms, type OpenApiDocument } from '../support/openapi-conformance.js';
import { multipartBody } from '../support/multipart.js';
import { smallJpeg } from '../support/photos.js';
import { makeCameraJpeg, SVG_WITH_SCRIPT } from '../support/images.js';

describe.each(DIALECTS)('photos JSON API (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;
  let bearer: string;
  let document: OpenApiDocument;

  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, options: { token?: string; payload?: unknown; headers?: Record<string, string> } = {}) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${options.token ?? bearer}`, ...(options.headers ?? {}) }, ...(options.payload === undefined ? {} : { payload: options.payload as string }) });

  const upload = async (file: Buffer, token = bearer, fields: { name: string; value: string }[] = [{ name: 'title', value: 'From the API' }]) => {
    const body = multipartBody([...fields, { name: 'image', value: file, filename: 'a.jpg', contentType: 'image/jpeg' }]);
    return api('POST', '/api/v1/photos', { token, payload: body.payload, headers: { 'content-type': body.contentType } });
  };

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_api');
    bearer = (await createToken(alice, 'tests')).token;
    document = (await t.app.inject({ url: '/openapi.json' })).json();
  });
  afterAll(() => t.close());

  it('documents every photo operation', () => {
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/photos', '/api/v1/photos/{id}', '/api/v1/photos/{id}/status', '/api/v1/photos/{id}/media/{variant}']));
    expect(document.paths['/api/v1/photos']?.['post']).toBeDefined();
  });

  it('uploads with a Bearer token (no CSRF), then reads, lists, edits and deletes', async () => {
    const accepted = await upload(await smallJpeg(320, 200));
    expect(accepted.statusCode).toBe(202);
    const body = accepted.json() as { id: string; status: string; status_url: string };
    expectConforms(document, '/api/v1/photos', 'post', 202, body);
    expect(body.status).toBe('queued');
    await t.app.jobWorker.drain();

    const status = await api('GET', body.status_url);
    expect(status.json()).toEqual({ id: body.id, status: 'ready', detail: '', final: true });
    expectConforms(document, '/api/v1/photos/{id}/status', 'get', 200, status.json());

    const photo = await api('GET', `/api/v1/photos/${body.id}`);
    expect(photo.json()).toMatchObject({ id: body.id, title: 'From the API', width: 320, height: 200, format: 'jpeg' });
    expectConforms(document, '/api/v1/photos/{id}', 'get', 200, photo.json());

    const list = await api('GET', '/api/v1/photos?per_page=5');
    expect((list.json() as { items: { id: string }[] }).items.map((p) => p.id)).toContain(body.id);
    expectConforms(document, '/api/v1/photos', 'get', 200, list.json());

    const media = await api('GET', `/api/v1/photos/${body.id}/media/thumb.jpg`);
    expect(media.statusCode).toBe(200);
    expect(media.headers['content-type']).toBe('image/jpeg');
    const retired = await api('GET', `/api/v1/photos/${body.id}/media/thumb.webp`);
    expect(retired.statusCode).toBe(301);
    expect(retired.headers.location).toBe('thumb.jpg');

    const patched = await api('PATCH', `/api/v1/photos/${body.id}`, { payload: { caption: '<b>bold</b>\u0000', alt_text: 'A red square' } });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ caption: '<b>bold</b>', alt_text: 'A red square' });

    const deleted = await api('DELETE', `/api/v1/photos/${body.id}`);
    expect(deleted.statusCode).toBe(204);
    expect((await api('GET', `/api/v1/photos/${body.id}`)).statusCode).toBe(404);
  });

  it('exposes the date taken and the camera, and the location only when the upload kept it', async () => {
    const withoutLocation = (await upload(await makeCameraJpeg())).json() as { id: string };
    const withLocation = (await upload(await makeCameraJpeg({ offset: null }), bearer, [{ name: 'keep_location', value: 'true' }])).json() as { id: string };
    await t.app.jobWorker.drain();
    const first = await api('GET', `/api/v1/photos/${withoutLocation.id}`);
    expectConforms(document, '/api/v1/photos/{id}', 'get', 200, first.json());
    expect(first.json()).toMatchObject({
      taken_at: '2019-07-14T15:30:00+02:00',
      camera: { make: 'Canon', model: 'Canon EOS R5', lens: 'RF24-70mm F2.8 L IS USM', exposure_time: 0.004, f_number: 2.8, iso: 400, focal_length: 35 },
      location: null,
    });
    const second = (await api('GET', `/api/v1/photos/${withLocation.id}`)).json() as { taken_at: string; location: { latitude: number; longitude: number } };
    expect(second.taken_at).toBe('2019-07-14T15:30:00');
    expect(second.location.latitude).toBeCloseTo(51.50736, 4);
    expect(second.location.longitude).toBeCloseTo(-0.12768, 4);
    // A photo without EXIF has no date taken and empty camera fields.
    const plain = (await upload(await smallJpeg())).json() as { id: string };
    await t.app.jobWorker.drain();
    expect((await api('GET', `/api/v1/photos/${plain.id}`)).json()).toMatchObject({ taken_at: null, camera: { make: '', iso: null }, location: null });
    // The list is a timeline: the photo uploaded last but taken in 2019 comes after the undated one.
    const items = ((await api('GET', '/api/v1/photos?per_page=100')).json() as { items: { id: string }[] }).items.map((p) => p.id);
    expect(items.indexOf(plain.id)).toBeLessThan(items.indexOf(withoutLocation.id));
    expect((await upload(await smallJpeg(), bearer, [{ name: 'keep_location', value: 'maybe' }])).statusCode).toBe(400);
  });

  it('answers hostile uploads with problem documents', async () => {
    const svg = await upload(Buffer.from(SVG_WITH_SCRIPT));
    expect(svg.statusCode).toBe(415);
    expect(svg.headers['content-type']).toMatch(/^application\/problem\+json/);
    expectConforms(document, '/api/v1/photos', 'post', 415, svg.json(), 'application/problem+json');
    const json = await api('POST', '/api/v1/photos', { payload: { image: 'x' } });
    expect(json.statusCode).toBe(415);
  });

  it('keeps every operation owner-only: another user gets 404', async () => {
    const id = (( await upload(await smallJpeg())).json() as { id: string }).id;
    await t.app.jobWorker.drain();
    const bob = new TestClient(t.app);
    await bob.signupAndLogin('bob_api');
    const bobToken = (await createToken(bob, 'b')).token;
    for (const [method, url] of [['GET', `/api/v1/photos/${id}`], ['GET', `/api/v1/photos/${id}/status`], ['GET', `/api/v1/photos/${id}/media/original`], ['DELETE', `/api/v1/photos/${id}`]] as const) {
      const response = await api(method, url, { token: bobToken });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await api('PATCH', `/api/v1/photos/${id}`, { token: bobToken, payload: { title: 'x' } })).statusCode).toBe(404);
    expect((await api('GET', `/api/v1/photos/${id}`)).statusCode).toBe(200);
  });

  it('needs the CSRF header for session uploads and refuses anonymous ones', async () => {
    const body = multipartBody([{ name: 'image', value: await smallJpeg(), filename: 'a.jpg' }]);
    const noHeader = await alice.request({ method: 'POST', url: '/api/v1/photos', payload: body.payload, headers: { 'content-type': body.contentType } });
    expect(noHeader.statusCode).toBe(403);
    const csrf = ((await alice.get('/api/v1/csrf-token')).json() as { token: string }).token;
    const withHeader = await alice.request({ method: 'POST', url: '/api/v1/photos', payload: body.payload, headers: { 'content-type': body.contentType, 'x-csrf-token': csrf } });
    expect(withHeader.statusCode).toBe(202);
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/photos', payload: body.payload, headers: { 'content-type': body.contentType } });
    expect(anonymous.statusCode).toBe(401);
  });

  it('validates ids, variants and pagination as 400/404, never 5xx', async () => {
    for (const url of ['/api/v1/photos/not-an-id', `/api/v1/photos/${'f'.repeat(32)}/media/..%2Fsecret`, '/api/v1/photos?per_page=100000', '/api/v1/photos?page=-1', `/api/v1/photos/${'f'.repeat(32)}`]) {
      const response = await api('GET', url);
      expect([400, 404], url).toContain(response.statusCode);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });
});

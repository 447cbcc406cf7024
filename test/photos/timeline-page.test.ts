import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { decodeEntities } from '../support/assertions.js';
import { TestClient, extractCsrf } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { makeCameraJpeg } from '../support/images.js';
import type { Part } from '../support/multipart.js';
import { photoIdFrom, postMultipart, smallJpeg, uploadProcessed } from '../support/photos.js';

const MONTH = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** The gallery's month headings and tile titles, in page order. */
function outline(html: string): string[] {
  return [...html.matchAll(/<h2 id="month-[0-9-]+">(.*?)<\/h2>|<span class="tile-title">(.*?)<\/span>/gs)].map((m) => (m[1] ? `# ${m[1]}` : decodeEntities(m[2] ?? '')));
}

describe.each(DIALECTS)('the timeline in the pages (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;

  /** Uploads through the form with extra fields (e.g. keep_location) and runs the pipeline. */
  async function uploadWith(file: Buffer, fields: Part[]): Promise<string> {
    const token = extractCsrf((await alice.get('/photos/upload/')).body) ?? '';
    const response = await postMultipart(alice, [{ name: '_csrf', value: token }, ...fields, { name: 'image', value: file, filename: 'camera.jpg', contentType: 'image/jpeg' }]);
    expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
    await t.app.jobWorker.drain();
    return photoIdFrom(response.headers.location);
  }

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_timeline');
  });
  afterAll(() => t.close());

  it('offers a "keep location" checkbox, off by default, inside the upload form', async () => {
    const page = (await alice.get('/photos/upload/')).body;
    expect(page).toMatch(/<form[^>]*id="upload-form"[\s\S]*<input id="id_keep_location" name="keep_location" type="checkbox" value="on"[^>]*>[\s\S]*<\/form>/);
    expect(page).not.toMatch(/id="id_keep_location"[^>]*checked/);
  });

  it('groups the gallery by month of the date taken, names untitled photos by their date, and shows the facts on the photo page', async () => {
    const taken = await uploadWith(await makeCameraJpeg({ taken: '2019:07:14 15:30:00' }), []);
    const older = await uploadWith(await makeCameraJpeg({ taken: '2018:12:31 23:59:00', offset: '-05:00' }), [{ name: 'title', value: 'New Year’s Eve' }]);
    const undated = await uploadProcessed(t, alice, await smallJpeg());
    const today = (await t.db.selectFrom('photos').select('created_at').where('id', '=', undated).executeTakeFirstOrThrow()).created_at;

    const gallery = (await alice.get('/photos/')).body;
    expect(outline(gallery)).toEqual([`# ${MONTH.format(today)}`, `Photo from ${DAY.format(today)}`, '# July 2019', 'Photo from 14 July 2019', '# December 2018', 'New Year’s Eve']);
    expect(gallery).toContain(`alt="Photo from 14 July 2019"`);
    expect(gallery).not.toMatch(/Untitled|alt="Photo"/);

    const page = (await alice.get(`/photos/${taken}/`)).body;
    expect(page).toContain('<title>Photo from 14 July 2019');
    expect(page).toContain('<h1>Photo from 14 July 2019</h1>');
    expect(page).toContain('alt="Photo from 14 July 2019"');
    expect(page).toContain('14 July 2019, 15:30 (UTC+02:00)');
    expect(page).toContain('<dd>Canon EOS R5</dd>');
    expect(page).toContain('<dd>RF24-70mm F2.8 L IS USM</dd>');
    expect(decodeEntities(page)).toContain('1/250 s · ƒ/2.8 · ISO 400 · 35 mm');
    // Location was not kept: neither stored nor shown.
    expect(page).not.toContain('Location');
    const row = await t.db.selectFrom('photos').select(['latitude', 'longitude', 'keep_location']).where('id', '=', taken).executeTakeFirstOrThrow();
    expect(row).toEqual({ latitude: null, longitude: null, keep_location: 0 });
    expect((await alice.get(`/photos/${older}/`)).body).toContain('31 December 2018, 23:59 (UTC−05:00)');

    // Another user sees none of it.
    const eve = new TestClient(t.app);
    await eve.signupAndLogin('eve_timeline');
    expect((await eve.get(`/photos/${taken}/`)).statusCode).toBe(404);
    expect((await eve.get('/photos/')).body).not.toContain('July 2019');
  });

  it('keeps and shows the location only when the owner ticked the box', async () => {
    const id = await uploadWith(await makeCameraJpeg(), [{ name: 'keep_location', value: 'on' }]);
    const page = (await alice.get(`/photos/${id}/`)).body;
    expect(page).toContain('<dt>Location</dt>');
    expect(page).toContain('51.50736, -0.12768');
    // The stored original never carries it.
    const original = (await alice.get(`/photos/${id}/media/original`)).rawPayload;
    expect(original.includes('GPS')).toBe(false);
    expect(original.includes('Canon')).toBe(false);
  });

  it('refuses a malformed keep_location value with a 400 and stores nothing', async () => {
    const token = extractCsrf((await alice.get('/photos/upload/')).body) ?? '';
    const before = await t.db.selectFrom('photos').select('id').execute();
    const response = await postMultipart(alice, [{ name: '_csrf', value: token }, { name: 'keep_location', value: 'x'.repeat(4000) }, { name: 'image', value: await smallJpeg(), filename: 'a.jpg', contentType: 'image/jpeg' }]);
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('keep_location');
    expect(await t.db.selectFrom('photos').select('id').execute()).toEqual(before);
  });
});

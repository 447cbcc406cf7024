import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import exifReader from 'exif-reader';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import {
  BARE_SVG,
  EICAR,
  HTML_PAGE,
  makeJpegWithMetadata,
  makeJpegWithPhpPayload,
  makePngDeclaring,
  makePngWithMetadata,
  makeTruncatedJpeg,
  PAYLOAD_MARKER,
  PDF_DOCUMENT,
  TRAILING_DATA,
  PLAIN_TEXT,
  SVG_WITH_SCRIPT,
} from '../support/images.js';
import { makeAnimatedWebpWithMetadata, makeAvifWithMetadata, makeGifWithMetadata, makeWebpWithMetadata, webpChunks, webpOf } from '../support/lossless-fixtures.js';
import { photoIdFrom, postMultipart, smallJpeg, uploadForm, uploadProcessed } from '../support/photos.js';

const MAX_BYTES = 200_000;

describe.each(DIALECTS)('photo upload (%s)', (dialect) => {
  let t: TestApp;
  let alice: TestClient;

  const stagedFiles = async () => readdir(path.join(t.database.dataDir, 'uploads')).catch(() => []);
  const statusOf = async (id: string) => (await alice.get(`/photos/${id}/status/`)).json() as { status: string; detail: string; final: boolean };

  beforeAll(async () => {
    t = await createTestApp(dialect, { UPLOAD_MAX_BYTES: String(MAX_BYTES), UPLOAD_MAX_PIXELS: '4000000', MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_up');
  });
  afterAll(() => t.close());

  it('accepts a photo, redirects to its page, processes it and serves its media', async () => {
    const response = await uploadForm(alice, await smallJpeg(640, 480), { title: 'Harbour at dusk' });
    expect(response.statusCode).toBe(303);
    const id = photoIdFrom(response.headers.location);
    const queued = await alice.get(`/photos/${id}/`);
    expect(queued.statusCode).toBe(200);
    expect(queued.body).toMatch(/<meta http-equiv="refresh" content="2"/);

    await t.app.jobWorker.drain();
    const page = await alice.get(`/photos/${id}/`);
    expect(page.body).toContain('Status: Ready');
    expect(page.body).toContain('Harbour at dusk');
    expect(page.body).not.toContain('http-equiv="refresh"');
    expect(page.headers['cache-control']).toBe('max-age=0, no-cache, no-store, must-revalidate, private');

    const gallery = await alice.get('/photos/');
    expect(gallery.body).toContain(`/photos/${id}/media/thumb.jpg`);
    // One format per derivative: no <source> for a WebP that is no longer made.
    expect(gallery.body).not.toContain('.webp');

    for (const [variant, type] of [['thumb.jpg', 'image/jpeg'], ['display.jpg', 'image/jpeg'], ['original', 'image/jpeg']] as const) {
      const media = await alice.get(`/photos/${id}/media/${variant}`);
      expect(media.statusCode, variant).toBe(200);
      expect(media.headers['content-type']).toBe(type);
      expect(media.headers['x-content-type-options']).toBe('nosniff');
      expect(media.headers['cache-control']).toBe('private, max-age=3600');
      expect(media.headers['content-disposition']).toMatch(/^(inline|attachment); filename="[a-z]+-[0-9a-f]{32}\.jpg"$/);
      expect(media.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      const etag = String(media.headers.etag);
      expect((await alice.get(`/photos/${id}/media/${variant}`, { 'if-none-match': etag })).statusCode).toBe(304);
    }
    const display = await sharp((await alice.get(`/photos/${id}/media/display.jpg`)).rawPayload).metadata();
    expect([display.width, display.height]).toEqual([640, 480]);
  });

  it('answers API-style clients with 202 and a status URL', async () => {
    const response = await uploadForm(alice, await smallJpeg(), { headers: { accept: 'application/json' } });
    expect(response.statusCode).toBe(202);
    const body = response.json() as { id: string; status: string; status_url: string; page_url: string };
    expect(body.status).toBe('queued');
    expect(body.status_url).toBe(`/photos/${body.id}/status/`);
    await t.app.jobWorker.drain();
    expect(await statusOf(body.id)).toMatchObject({ status: 'ready', final: true });
  });

  it('keeps the original losslessly with EXIF (GPS included), XMP and comments removed, upright by its orientation, as an attachment', async () => {
    const upload = await makeJpegWithMetadata(6);
    const id = await uploadProcessed(t, alice, upload);
    const response = await alice.get(`/photos/${id}/media/original`);
    expect(response.headers['content-type']).toBe('image/jpeg');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="photo-${id}.jpg"`);
    const original = response.rawPayload;
    expect(original.includes(PAYLOAD_MARKER)).toBe(false);
    expect(original.includes('PhotovaultCam')).toBe(false);
    const meta = await sharp(original).metadata();
    expect(exifReader(meta.exif as Buffer).Image).toEqual({ Orientation: 6 });
    expect(meta.xmp).toBeUndefined();
    expect(meta.iptc).toBeUndefined();
    expect(meta.comments).toBeUndefined();
    expect(meta.autoOrient).toEqual({ width: 40, height: 80 });
    const decoded = async (image: Buffer) => sharp(image, { autoOrient: true }).raw().toBuffer();
    expect(await decoded(original)).toEqual(await decoded(upload));
  });

  it('keeps a PNG original losslessly: text chunks, EXIF and trailing data gone, pixels identical', async () => {
    const upload = await makePngWithMetadata();
    const id = await uploadProcessed(t, alice, upload);
    const response = await alice.get(`/photos/${id}/media/original`);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="photo-${id}.png"`);
    const original = response.rawPayload;
    for (const planted of [PAYLOAD_MARKER, 'PhotovaultCam', TRAILING_DATA, 'tEXt', 'zTXt', 'iTXt', 'eXIf', 'tIME']) expect(original.includes(planted), planted).toBe(false);
    const decoded = async (image: Buffer) => sharp(image).raw().toBuffer();
    expect(await decoded(original)).toEqual(await decoded(upload));
    expect((await alice.get(`/photos/${id}/`)).body).toContain('(PNG)');
  });

  // Without the fixtures' PHP trailer, which the built-in scanner rejects (tested below).
  const withoutTrailer = (upload: Buffer) => {
    if (upload.subarray(0, 4).toString('latin1') === 'RIFF') return webpOf(webpChunks(upload).map((chunk) => chunk.bytes));
    const trailer = upload.indexOf(TRAILING_DATA);
    return trailer === -1 ? upload : upload.subarray(0, trailer);
  };
  it.each([
    ['a WebP', 'webp', 1, () => makeWebpWithMetadata(6)],
    ['an animated WebP', 'webp', 3, () => makeAnimatedWebpWithMetadata(3)],
    ['an animated GIF', 'gif', 3, () => makeGifWithMetadata(3)],
    ['an AVIF', 'avif', 1, () => makeAvifWithMetadata()],
  ] as const)('keeps %s original losslessly: EXIF (GPS), XMP, comments and private data gone, every frame, pixels identical', async (_name, format, frames, make) => {
    const upload = withoutTrailer(await make());
    expect(upload.includes(PAYLOAD_MARKER)).toBe(true);
    const id = await uploadProcessed(t, alice, upload);
    const response = await alice.get(`/photos/${id}/media/original`);
    expect(response.headers['content-type']).toBe(`image/${format}`);
    expect(response.headers['content-disposition']).toBe(`attachment; filename="photo-${id}.${format}"`);
    const original = response.rawPayload;
    for (const planted of [PAYLOAD_MARKER, 'PhotovaultCam', 'xmpmeta', 'GPS', TRAILING_DATA]) expect(original.includes(planted), planted).toBe(false);
    const meta = await sharp(original, { pages: -1 }).metadata();
    expect(meta.xmp).toBeUndefined();
    expect(meta.pages ?? 1).toBe(frames);
    if (meta.exif) expect(exifReader(meta.exif).Image).toEqual({ Orientation: 6 });
    const decoded = async (image: Buffer) => sharp(image, { autoOrient: true, pages: -1 }).raw().toBuffer();
    expect(await decoded(original)).toEqual(await decoded(upload));
  });

  it('rejects a JPEG whose segment structure is malformed, with the reason on the photo page', async () => {
    const jpeg = await smallJpeg();
    // Bytes between two segments where a marker must be: libjpeg skips them with a warning, the stripper refuses.
    const firstSegmentEnd = 4 + jpeg.readUInt16BE(4);
    const broken = Buffer.concat([jpeg.subarray(0, firstSegmentEnd), Buffer.from('junk'), jpeg.subarray(firstSegmentEnd)]);
    const id = photoIdFrom((await uploadForm(alice, broken)).headers.location);
    await t.app.jobWorker.drain();
    expect(await statusOf(id)).toMatchObject({ status: 'rejected', detail: expect.stringMatching(/damaged or incomplete/) });
    expect((await alice.get(`/photos/${id}/media/original`)).statusCode).toBe(404);
  });

  const refusedTypes: [string, Buffer | string, string][] = [
    ['SVG with script', SVG_WITH_SCRIPT, 'image/svg+xml'],
    ['bare SVG named .jpg', BARE_SVG, 'image/jpeg'],
    ['HTML named .jpg', HTML_PAGE, 'image/jpeg'],
    ['PDF', PDF_DOCUMENT, 'application/pdf'],
    ['plain text named .png', PLAIN_TEXT, 'image/png'],
    ['EICAR named .jpg', EICAR, 'image/jpeg'],
  ];
  it.each(refusedTypes)('refuses %s with a clear message and keeps nothing', async (_name, content, contentType) => {
    const before = await stagedFiles();
    const response = await uploadForm(alice, Buffer.from(content), { filename: 'innocent.jpg', contentType });
    expect(response.statusCode).toBe(415);
    expect(response.body).toMatch(/not accepted|Upload a JPEG/i);
    expect(response.body).toContain('id="upload-errors"');
    expect(await stagedFiles()).toEqual(before);
  });

  it('refuses a file over the size limit while streaming (413)', async () => {
    const big = Buffer.alloc(MAX_BYTES + 50_000, 0xff);
    const response = await uploadForm(alice, big);
    expect(response.statusCode).toBe(413);
    expect(response.body).toContain('MB limit');
    expect(await stagedFiles()).toEqual([]);
  });

  it('refuses a problem document to API clients for an oversized file', async () => {
    const response = await uploadForm(alice, Buffer.alloc(MAX_BYTES + 1, 1), { headers: { accept: 'application/json' } });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('refuses an empty file and a form without a file', async () => {
    expect((await uploadForm(alice, Buffer.alloc(0))).statusCode).toBe(400);
    const token = (await alice.csrfFrom('/photos/upload/'));
    const noFile = await postMultipart(alice, [{ name: '_csrf', value: token }, { name: 'title', value: 'nothing' }]);
    expect(noFile.statusCode).toBe(400);
    expect(noFile.body).toContain('Choose a photo');
  });

  it('refuses a decompression bomb by its header, before decoding', async () => {
    const response = await uploadForm(alice, makePngDeclaring(30_000, 30_000), { contentType: 'image/png' });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/too many pixels|more than the/i);
  });

  it('rejects a truncated JPEG when it is decoded, with the reason on the photo page', async () => {
    const response = await uploadForm(alice, await makeTruncatedJpeg(0.5));
    expect(response.statusCode).toBe(303);
    const id = photoIdFrom(response.headers.location);
    await t.app.jobWorker.drain();
    const status = await statusOf(id);
    expect(status.status).toBe('rejected');
    expect(status.detail).toMatch(/damaged or incomplete/);
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
  });

  it('rejects a JPEG carrying a PHP payload (built-in scanner) and never serves it', async () => {
    const response = await uploadForm(alice, await makeJpegWithPhpPayload());
    const id = photoIdFrom(response.headers.location);
    await t.app.jobWorker.drain();
    expect((await statusOf(id)).status).toBe('rejected');
    expect((await alice.get(`/photos/${id}/media/original`)).statusCode).toBe(404);
  });

  it('rejects a JPEG with the EICAR string appended (built-in scanner)', async () => {
    const infected = Buffer.concat([await smallJpeg(), Buffer.from(EICAR)]);
    const id = photoIdFrom((await uploadForm(alice, infected)).headers.location);
    await t.app.jobWorker.drain();
    expect(await statusOf(id)).toMatchObject({ status: 'rejected', detail: expect.stringMatching(/malware/) });
  });

  it('ignores the client name and Content-Type: a PNG sent as "x.jpg"/image/jpeg is stored as PNG', async () => {
    const png = await sharp({ create: { width: 30, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).png().toBuffer();
    const response = await uploadForm(alice, png, { filename: '../../etc/passwd.jpg', contentType: 'image/jpeg' });
    const id = photoIdFrom(response.headers.location);
    await t.app.jobWorker.drain();
    const original = await alice.get(`/photos/${id}/media/original`);
    expect(original.headers['content-type']).toBe('image/png');
    const page = await alice.get(`/photos/${id}/`);
    expect(page.body).toContain('passwd.jpg');
    expect(page.body).not.toContain('../');
  });

  describe('CSRF on the streamed form', () => {
    it('refuses an upload without the token, before storing anything', async () => {
      const response = await postMultipart(alice, [{ name: 'image', value: await smallJpeg(), filename: 'a.jpg', contentType: 'image/jpeg' }]);
      expect(response.statusCode).toBe(403);
      expect(await stagedFiles()).toEqual([]);
    });

    it('refuses the token when it comes after the file', async () => {
      const token = await alice.csrfFrom('/photos/upload/');
      const response = await postMultipart(alice, [
        { name: 'image', value: await smallJpeg(), filename: 'a.jpg', contentType: 'image/jpeg' },
        { name: '_csrf', value: token },
      ]);
      expect(response.statusCode).toBe(403);
    });

    it('refuses a forged token and another session’s token', async () => {
      const mallory = new TestClient(t.app);
      await mallory.signupAndLogin('mallory_up');
      const theirs = await mallory.csrfFrom('/photos/upload/');
      for (const token of ['forged', theirs]) {
        const response = await postMultipart(alice, [{ name: '_csrf', value: token }, { name: 'image', value: await smallJpeg(), filename: 'a.jpg' }]);
        expect(response.statusCode, token).toBe(403);
      }
    });

    it('refuses a cross-site Origin before reading the body', async () => {
      const token = await alice.csrfFrom('/photos/upload/');
      const response = await postMultipart(alice, [{ name: '_csrf', value: token }, { name: 'image', value: await smallJpeg(), filename: 'a.jpg' }], { origin: 'https://evil.example' });
      expect(response.statusCode).toBe(403);
    });

    it('accepts the token in the X-CSRF-Token header', async () => {
      const token = await alice.csrfFrom('/photos/upload/');
      const response = await postMultipart(alice, [{ name: 'image', value: await smallJpeg(), filename: 'a.jpg' }], { 'x-csrf-token': token });
      expect(response.statusCode).toBe(303);
    });

    it('refuses multipart bodies on routes that do not stream uploads', async () => {
      const token = await alice.csrfFrom('/accounts/');
      const response = await postMultipart(alice, [{ name: '_csrf', value: token }], {}, '/accounts/logout-everywhere/');
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect((await alice.get('/photos/')).statusCode).toBe(200);
    });
  });

  describe('ownership', () => {
    let id: string;
    let bob: TestClient;
    beforeAll(async () => {
      id = await uploadProcessed(t, alice, await smallJpeg(), 'private');
      bob = new TestClient(t.app);
      await bob.signupAndLogin('bob_up');
    });

    it('shows another user 404 for the page, status, media, edit and delete', async () => {
      expect((await bob.get(`/photos/${id}/`)).statusCode).toBe(404);
      expect((await bob.get(`/photos/${id}/status/`)).statusCode).toBe(404);
      expect((await bob.get(`/photos/${id}/media/original`)).statusCode).toBe(404);
      // The owner's request fills the thumbnail cache first; the cache must still not serve bob.
      expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
      expect((await bob.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
      expect((await bob.get(`/api/v1/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
      // A retired variant's redirect comes only after the ownership check.
      expect((await bob.get(`/photos/${id}/media/thumb.webp`)).statusCode).toBe(404);
      expect((await bob.get(`/api/v1/photos/${id}/media/display.webp`)).statusCode).toBe(404);
      const token = await bob.csrfFrom('/photos/');
      expect((await bob.post(`/photos/${id}/edit/`, { _csrf: token, title: 'pwned' })).statusCode).toBe(404);
      expect((await bob.post(`/photos/${id}/delete/`, { _csrf: token })).statusCode).toBe(404);
      expect((await alice.get(`/photos/${id}/`)).body).toContain('private');
      expect((await bob.get('/photos/')).body).not.toContain(id);
    });

    it('sends anonymous visitors to the login page', async () => {
      const anonymous = await t.app.inject({ url: `/photos/${id}/media/original` });
      expect(anonymous.statusCode).toBe(303);
      expect(anonymous.headers.location).toMatch(/^\/accounts\/login\/\?next=/);
    });

    it('makes path traversal impossible: ids and variant names only', async () => {
      for (const url of [
        `/photos/${id}/media/..%2F..%2Fsecret_key`,
        `/photos/${id}/media/../../secret_key`,
        `/photos/${id}/media/original%00.html`,
        `/photos/..%2F..%2Fsecret_key/media/original`,
        `/photos/${id.toUpperCase()}/`,
        `/photos/${'a'.repeat(5000)}/`,
      ]) {
        const response = await alice.get(url);
        expect(response.statusCode, url).toBeGreaterThanOrEqual(400);
        expect(response.statusCode, url).toBeLessThan(500);
        expect(response.body, url).not.toMatch(/secret|root:/);
      }
    });
  });

  it('edits the title, alt text and caption as escaped text', async () => {
    const id = await uploadProcessed(t, alice);
    const token = await alice.csrfFrom(`/photos/${id}/`);
    const response = await alice.post(`/photos/${id}/edit/`, { _csrf: token, title: '<script>alert(1)</script>', alt_text: '"><img src=x onerror=alert(1)>', caption: '{{7*6}}' });
    expect(response.statusCode).toBe(303);
    const page = await alice.get(`/photos/${id}/`);
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('&lt;script>alert(1)&lt;/script>');
    expect(page.body).not.toContain('<img src=x');
    expect(page.body).toContain('{{7*6}}');
  });

  it('deletes a photo with its files', async () => {
    const id = await uploadProcessed(t, alice);
    const mediaDir = path.join(t.database.dataDir, 'media', id);
    expect((await readdir(mediaDir)).sort()).toEqual(['display.jpg', 'original', 'thumb.jpg']);
    // A photo processed before issue 18 also has WebP twins: deleting it removes them too.
    await writeFile(path.join(mediaDir, 'thumb.webp'), 'old');
    await writeFile(path.join(mediaDir, 'display.webp'), 'old');
    // Served once, so the small variants are in the media cache too.
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(200);
    const token = await alice.csrfFrom(`/photos/${id}/`);
    const response = await alice.post(`/photos/${id}/delete/`, { _csrf: token });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/photos/');
    expect((await alice.get(`/photos/${id}/`)).statusCode).toBe(404);
    expect((await alice.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
    expect(await readdir(mediaDir).catch(() => [])).toEqual([]);
  });
});

describe('malformed multipart bodies', () => {
  let t: TestApp;
  let alice: TestClient;
  beforeAll(async () => {
    t = await createTestApp('sqlite', { MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_malformed');
  });
  afterAll(() => t.close());

  const bodies: [string, string, string][] = [
    ['no boundary', 'multipart/form-data', '--x\r\n\r\n'],
    ['boundary that never appears', 'multipart/form-data; boundary=zzz', '--a\r\nbad'],
    ['part without headers end', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="image"'],
    ['truncated body', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\n\xff\xd8\xff'],
    ['garbage', 'multipart/form-data; boundary=b', '\u0000\u0001\u0002'],
  ];
  for (const [api, url] of [[false, '/photos/upload/'], [true, '/api/v1/photos']] as const) {
    it.each(bodies)(`answers 4xx to ${url} with %s, never 5xx`, async (_name, contentType, payload) => {
      const token = await alice.csrfFrom('/photos/upload/');
      const response = await alice.request({ method: 'POST', url, payload, headers: { 'content-type': contentType, 'x-csrf-token': token, ...(api ? { accept: 'application/json' } : {}) } });
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
    });
  }

  it('refuses lenient integers in API query strings', async () => {
    for (const page of ['1.5', 'true', '0x1', ' 1', '01', '+1', '1e0']) {
      const response = await alice.get(`/api/v1/photos?page=${encodeURIComponent(page)}`);
      expect(response.statusCode, page).toBe(400);
    }
    expect((await alice.get('/api/v1/photos?page=1&per_page=10')).statusCode).toBe(200);
  });
});

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, expectProblem } from '../api/api-client.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { extractCsrf, TestClient } from '../support/client.js';
import { smallJpeg, uniqueBytes } from '../support/photos.js';
import { startListeningApp, type ListeningApp } from '../support/server.js';

/** One part of a hand-built body: raw header lines and the bytes. */
interface RawPart {
  readonly head: string;
  readonly data: Buffer | string;
}

const B = 'hostile-boundary';
const disposition = (name: string, filename?: string) => `Content-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}`;
const multipart = (boundary: string) => `multipart/form-data; boundary=${boundary}`;

function body(boundary: string, parts: readonly RawPart[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) chunks.push(Buffer.from(`--${boundary}\r\n${part.head}\r\n\r\n`), Buffer.from(part.data), Buffer.from('\r\n'));
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

interface HostileCase {
  readonly name: string;
  readonly contentType: string;
  readonly payload: (jpeg: Buffer) => Buffer | string;
  readonly status: 400 | 413 | 415;
  /** A piece of the problem's detail, so the message is the clear one and not a generic fallback. */
  readonly detail: RegExp;
  /** Refused by the API only: the form takes several files (one of its own tests covers them). */
  readonly apiOnly?: boolean;
}

// Each part's bytes are made unique, so that one user's uploads are never reported as duplicates.
const image = (jpeg: Buffer, filename = 'photo.jpg', extraDisposition = ''): RawPart => ({ head: `${disposition('image', filename)}${extraDisposition}\r\nContent-Type: image/jpeg`, data: uniqueBytes(jpeg) });
const NOT_MULTIPART = /not a valid multipart\/form-data body/;
const BAD_BOUNDARY = /boundary must be 1 to 70/;
const NO_PHOTO = /Choose a photo to upload/;

const CASES: readonly HostileCase[] = [
  { name: 'empty boundary', contentType: 'multipart/form-data; boundary=', payload: (j) => body('', [image(j)]), status: 400, detail: BAD_BOUNDARY },
  { name: '5,000-character boundary (was a 500)', contentType: multipart('a'.repeat(5000)), payload: (j) => body('a'.repeat(5000), [image(j)]), status: 400, detail: BAD_BOUNDARY },
  { name: '71-character boundary (RFC 2046 allows 70)', contentType: multipart('b'.repeat(71)), payload: (j) => body('b'.repeat(71), [image(j)]), status: 400, detail: BAD_BOUNDARY },
  { name: 'boundary with a quote inside its quotes', contentType: 'multipart/form-data; boundary="host"ile"', payload: (j) => body('host"ile', [image(j)]), status: 400, detail: /Content-Type header is malformed/ },
  { name: 'boundary with an unclosed quote', contentType: `multipart/form-data; boundary="${B}`, payload: (j) => body(B, [image(j)]), status: 400, detail: /Content-Type header is malformed/ },
  { name: 'boundary with a semicolon (not a bchar)', contentType: 'multipart/form-data; boundary="a;b"', payload: (j) => body('a;b', [image(j)]), status: 400, detail: BAD_BOUNDARY },
  { name: 'two boundary parameters (body uses the first)', contentType: `${multipart(B)}; boundary=other`, payload: (j) => body(B, [image(j)]), status: 400, detail: /boundary parameter more than once/ },
  { name: 'two boundary parameters (body uses the second)', contentType: `${multipart(B)}; BOUNDARY=other`, payload: (j) => body('other', [image(j)]), status: 400, detail: /boundary parameter more than once/ },
  { name: 'no boundary parameter', contentType: 'multipart/form-data', payload: (j) => body(B, [image(j)]), status: 400, detail: /no boundary/ },
  { name: 'body uses another boundary than declared', contentType: multipart(B), payload: (j) => body('another-one', [image(j)]), status: 400, detail: NOT_MULTIPART },
  { name: 'empty body', contentType: multipart(B), payload: () => '', status: 400, detail: NO_PHOTO },
  { name: 'only the closing delimiter', contentType: multipart(B), payload: () => `--${B}--\r\n`, status: 400, detail: NO_PHOTO },
  { name: 'body ends in the middle of the file part', contentType: multipart(B), payload: (j) => body(B, [image(j)], false).subarray(0, 200), status: 400, detail: NOT_MULTIPART },
  { name: 'body ends after the part without the closing delimiter', contentType: multipart(B), payload: (j) => body(B, [image(j)], false), status: 400, detail: NOT_MULTIPART },
  { name: 'body ends inside the part headers', contentType: multipart(B), payload: () => `--${B}\r\n${disposition('image', 'a.jpg')}\r\nContent-Ty`, status: 400, detail: NOT_MULTIPART },
  { name: '100 KB Content-Disposition (name past the 16 KB part-header limit)', contentType: multipart(B), payload: (j) => body(B, [{ head: `Content-Disposition: form-data; x="${'x'.repeat(100_000)}"; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg`, data: j }]), status: 400, detail: NO_PHOTO },
  { name: '10,000-character file name', contentType: multipart(B), payload: (j) => body(B, [image(j, `${'f'.repeat(10_000)}.jpg`)]), status: 400, detail: /file name is too long/ },
  { name: '100 KB file name', contentType: multipart(B), payload: (j) => body(B, [image(j, `${'f'.repeat(15_000)}.jpg`)]), status: 400, detail: /file name is too long/ },
  { name: 'file name with a NUL', contentType: multipart(B), payload: (j) => body(B, [image(j, 'photo.jpg\u0000.php')]), status: 400, detail: /NUL character/ },
  { name: 'charset=utf-16 on the content type', contentType: `${multipart(B)}; charset=utf-16`, payload: (j) => body(B, [image(j)]), status: 415, detail: /UTF-8/ },
  { name: 'unknown charset on the content type', contentType: `${multipart(B)}; charset=x-klingon`, payload: (j) => body(B, [image(j)]), status: 415, detail: /UTF-8/ },
  { name: 'charset given twice', contentType: `${multipart(B)}; charset=utf-8; charset=utf-8`, payload: (j) => body(B, [image(j)]), status: 400, detail: /charset parameter more than once/ },
  { name: 'garbage after the parameters', contentType: `${multipart(B)}; \u0000`, payload: (j) => body(B, [image(j)]), status: 400, detail: /Content-Type header is malformed/ },
  { name: 'a part with no Content-Disposition', contentType: multipart(B), payload: (j) => body(B, [{ head: 'Content-Type: image/jpeg', data: j }]), status: 400, detail: NO_PHOTO },
  { name: 'nested multipart/mixed instead of the file', contentType: multipart(B), payload: (j) => body(B, [{ head: `${disposition('image')}\r\nContent-Type: multipart/mixed; boundary=inner`, data: body('inner', [{ head: 'Content-Disposition: file; filename="a.jpg"\r\nContent-Type: image/jpeg', data: j }]) }]), status: 400, detail: NO_PHOTO },
  { name: 'multipart/mixed as the request type', contentType: `multipart/mixed; boundary=${B}`, payload: (j) => body(B, [image(j)]), status: 415, detail: /./ },
  { name: '5,000 tiny parts', contentType: multipart(B), payload: () => body(B, Array.from({ length: 5000 }, (_, i) => ({ head: disposition(`f${i}`), data: 'x' }))), status: 400, detail: /one photo per upload|at most 50 photos per upload/ },
  { name: 'two files', contentType: multipart(B), payload: (j) => body(B, [image(j), image(j)]), status: 400, detail: /one photo per upload/, apiOnly: true },
];

describe('hostile multipart bodies (sqlite)', () => {
  let t: TestApp;
  let alice: TestClient;
  let bearer: string;
  let formToken: string;
  let jpeg: Buffer;

  const stagingDir = () => path.join(t.database.dataDir, 'uploads');
  const api = (contentType: string, payload: Buffer | string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/photos', headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType }, payload });
  // The form with the token in the header, so the body's defects are what is refused (a CSRF field needs a readable body).
  const form = (contentType: string, payload: Buffer | string) =>
    alice.request({ method: 'POST', url: '/photos/upload/', headers: { 'x-csrf-token': formToken, 'content-type': contentType }, payload });
  /** Accepted uploads are processed, so whatever is left in the staging dir is a leak. */
  const expectNothingStaged = async () => {
    await t.app.jobWorker.drain();
    expect(await readdir(stagingDir())).toEqual([]);
  };
  const expectErrorPage = (res: LightMyRequestResponse, status: number, detail: RegExp) => {
    expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(detail);
    expect(res.body).toContain(String(res.headers['x-request-id']));
  };

  beforeAll(async () => {
    t = await createTestApp('sqlite', { MODERATION_ENABLED: 'false' });
    alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_hostile');
    bearer = (await createToken(alice, 'hostile')).token;
    formToken = extractCsrf((await alice.get('/photos/upload/')).body) ?? '';
    jpeg = await smallJpeg();
  });
  afterAll(() => t.close());

  it('still accepts a well-formed upload through both doors (a 70-character quoted boundary, charset=utf-8)', async () => {
    const boundary = 'q'.repeat(70);
    const contentType = `multipart/form-data; boundary="${boundary}"; charset=UTF-8`;
    expect((await api(contentType, body(boundary, [image(jpeg)]))).statusCode).toBe(202);
    expect((await form(contentType, body(boundary, [image(jpeg)]))).statusCode).toBe(303);
    await expectNothingStaged();
  });

  it.each(CASES)('API: $name → $status problem document', async ({ contentType, payload, status, detail }) => {
    const problem = expectProblem(await api(contentType, payload(jpeg)), status, status === 415 ? 'unsupported_media_type' : 'bad_request');
    expect(problem.detail).toMatch(detail);
    await expectNothingStaged();
  });

  it.each(CASES.filter((c) => !c.apiOnly))('form: $name → $status error page', async ({ contentType, payload, status, detail }) => {
    expectErrorPage(await form(contentType, payload(jpeg)), status, status === 415 ? /./ : detail);
    await expectNothingStaged();
  });

  it('form with the CSRF field first: a foreign boundary is refused as malformed, not as a CSRF failure', async () => {
    const payload = body('another-one', [{ head: disposition('_csrf'), data: formToken }, image(jpeg)]);
    const res = await alice.request({ method: 'POST', url: '/photos/upload/', headers: { 'content-type': multipart(B) }, payload });
    expectErrorPage(res, 400, NOT_MULTIPART);
    await expectNothingStaged();
  });

  // Accepted on purpose: these are what a real file can be called, and the name is kept only as display text.
  it.each([
    { name: 'path traversal', filename: '../../../etc/passwd.jpg', shown: 'passwd.jpg' },
    { name: 'Windows path', filename: 'C:\\Users\\eve\\..\\photo.jpg', shown: 'photo.jpg' },
    { name: 'right-to-left override', filename: 'gpj.\u202eexe.jpg', shown: 'gpj.exe.jpg' },
    { name: '1,000-byte name (within any file system)', filename: `${'é'.repeat(400)}.jpg`, shown: 'é'.repeat(120) },
  ])('accepts a file named with $name, keeping only a clean display name', async ({ filename, shown }) => {
    const res = await api(multipart(B), body(B, [image(jpeg, filename)]));
    expect(res.statusCode, res.body).toBe(202);
    const id = (res.json() as { id: string }).id;
    const row = await t.db.selectFrom('photos').select('original_name').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.original_name).toBe(shown);
    await expectNothingStaged();
  });

  it('accepts part charsets (only the title text is decoded by them) and padding past the 16 KB part-header limit', async () => {
    const title = (charset: string): RawPart => ({ head: `${disposition('title')}\r\nContent-Type: text/plain; charset=${charset}`, data: 'Harbour' });
    for (const parts of [[title('utf-16'), image(jpeg)], [title('x-klingon'), image(jpeg)], [image(jpeg, 'a.jpg', `; x="${'x'.repeat(100_000)}"`)]]) {
      expect((await api(multipart(B), body(B, parts))).statusCode).toBe(202);
    }
    await expectNothingStaged();
  });
});

describe('a storm of hostile multipart bodies over real sockets (sqlite)', () => {
  let t: ListeningApp;
  afterAll(() => t.close());

  it('answers every one with a 4xx, never a 5xx, stays responsive, leaks nothing, and still takes a good upload', async () => {
    t = await startListeningApp('sqlite', { MODERATION_ENABLED: 'false' });
    const alice = new TestClient(t.app);
    await alice.signupAndLogin('alice_storm');
    const bearer = (await createToken(alice, 'storm')).token;
    const jpeg = await smallJpeg();
    const send = async (contentType: string, payload: Buffer | string) => {
      const response = await fetch(`${t.origin}/api/v1/photos`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType }, body: typeof payload === 'string' ? payload : new Uint8Array(payload) });
      await response.arrayBuffer();
      return response.status;
    };
    // Ten of each case, 40 at a time (fetch itself refuses to send a header with a NUL: that case
    // is sent by inject above).
    const sendable = CASES.filter(({ contentType }) => !contentType.includes('\u0000'));
    const requests = Array.from({ length: 10 }, () => sendable).flat();
    const statuses: number[] = [];
    const started = Date.now();
    for (let i = 0; i < requests.length; i += 40) {
      const batch = requests.slice(i, i + 40).map(({ contentType, payload }) => send(contentType, payload(jpeg)).catch(() => 0));
      // While the storm runs, an ordinary page still answers.
      const page = fetch(`${t.origin}/`).then((r) => r.status);
      statuses.push(...(await Promise.all(batch)));
      expect(await page).toBe(200);
    }
    const byStatus = Object.fromEntries([...new Set(statuses)].map((s) => [s, statuses.filter((x) => x === s).length]));
    expect(statuses.every((s) => s >= 400 && s < 500), JSON.stringify(byStatus)).toBe(true);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await send(multipart(B), body(B, [image(jpeg)]))).toBe(202);
    await t.app.jobWorker.drain();
    expect(await readdir(path.join(t.database.dataDir, 'uploads'))).toEqual([]);
  }, 90_000);
});

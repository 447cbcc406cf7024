import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestApp } from '../support/app.js';
import { TestClient } from '../support/client.js';
import { multipartBody } from '../support/multipart.js';
import { smallJpeg } from '../support/photos.js';

const TOKEN_IN_LINK = /\/s\/([A-Za-z0-9_-]{43})\//;
let addressCounter = 0;

/** A signed-in client with an address of its own, so per-address throttling never couples two tests. */
export async function signedInClient(t: TestApp, username: string): Promise<TestClient> {
  const client = new TestClient(t.app);
  addressCounter += 1;
  client.remoteAddress = `10.77.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
  await client.signupAndLogin(username);
  return client;
}

/** An anonymous client (one browser profile) with an address of its own. */
export function anonymousClient(t: TestApp): TestClient {
  const client = new TestClient(t.app);
  addressCounter += 1;
  client.remoteAddress = `10.78.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
  return client;
}

/** Uploads a small JPEG through the form and waits for the pipeline; returns the photo id. */
export async function uploadReadyPhoto(t: TestApp, client: TestClient, title = ''): Promise<string> {
  const csrf = await client.csrfFrom('/photos/upload/');
  const image = await smallJpeg(64, 48, '#369');
  const { payload, contentType } = multipartBody([
    { name: '_csrf', value: csrf },
    { name: 'image', value: image, filename: 'holiday-secret-name.jpg', contentType: 'image/jpeg' },
  ]);
  const response = await client.request({ method: 'POST', url: '/photos/upload/', payload, headers: { 'content-type': contentType } });
  expect(response.statusCode).toBe(303);
  const id = /^\/photos\/([0-9a-f]{32})\/$/.exec(String(response.headers.location))?.[1];
  if (!id) throw new Error(`unexpected upload answer ${response.statusCode} ${String(response.headers.location)}`);
  await t.app.jobWorker.drain();
  const status = await t.db.selectFrom('photos').select('status').where('id', '=', id).executeTakeFirstOrThrow();
  expect(status.status).toBe('ready');
  if (title !== '') {
    const edit = await client.submit(`/photos/${id}/`, { title, alt_text: '', caption: '' }, `/photos/${id}/edit/`);
    expect(edit.statusCode).toBe(303);
  }
  return id;
}

export interface CreatedShare {
  /** The form's answer: a 303 to the photo page when the link was made, else the page with errors. */
  readonly response: LightMyRequestResponse;
  /** The photo page that 303 leads to (where the new link is shown once), or the form's answer. */
  readonly page: LightMyRequestResponse;
  /** The token from the link shown once, or '' when none was shown. */
  readonly token: string;
}

/** Submits the photo page's share form and follows its redirect, like a browser. */
export function createShare(client: TestClient, photoId: string, form: { expires_in?: string; password?: string } = {}): Promise<CreatedShare> {
  return createShareOn(client, `/photos/${photoId}/`, form);
}

/** Submits the share form of an owner's page (`/photos/<id>/`, `/albums/<id>/`) and follows its redirect. */
export async function createShareOn(client: TestClient, ownerPage: string, form: { expires_in?: string; password?: string } = {}): Promise<CreatedShare> {
  const response = await client.submit(ownerPage, { expires_in: '7', password: '', ...form }, `${ownerPage}shares/`);
  const page = response.statusCode === 303 ? await client.get(String(response.headers.location).replace(/#.*$/, '')) : response;
  return { response, page, token: TOKEN_IN_LINK.exec(page.body)?.[1] ?? '' };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The id of the link whose token is `token`. */
export async function shareIdOf(t: TestApp, token: string): Promise<string> {
  const row = await t.db.selectFrom('share_links').select('id').where('token_hash', '=', hashToken(token)).executeTakeFirstOrThrow();
  return row.id;
}

export const NO_STORE = 'max-age=0, no-cache, no-store, must-revalidate, private';

/** The headers every share page and share media answer carries. */
export function expectShareHeaders(response: LightMyRequestResponse): void {
  expect(response.headers['referrer-policy']).toBe('same-origin');
  expect(response.headers['x-robots-tag']).toMatch(/noindex/);
  expect(response.headers['cache-control']).toBe(NO_STORE);
}

/** The one 404 every dead, bad or foreign link gets. */
export function expectNotFound(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(404);
  expect(response.body).toContain('There is nothing here.');
}

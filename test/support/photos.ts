import sharp from 'sharp';
import { insertJpegComment } from './images.js';
import type { TestApp } from './app.js';
import { extractCsrf, type TestClient } from './client.js';
import { multipartBody, type Part } from './multipart.js';

let uniqueCounter = 0;

/**
 * A small real JPEG, different in its bytes on every call (a comment segment with a counter, which
 * the pipeline strips): one user uploading two of them makes two photos, not a reported duplicate.
 */
export async function smallJpeg(width = 64, height = 48, colour = '#369'): Promise<Buffer> {
  return uniqueBytes(await sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().toBuffer());
}

/** The same JPEG with a COM segment after its SOI marker naming it uniquely (same pixels, other bytes). */
export function uniqueBytes(jpeg: Buffer): Buffer {
  uniqueCounter += 1;
  return insertJpegComment(jpeg, `photovault test image ${process.pid}-${uniqueCounter}-${Math.random().toString(36).slice(2)}`);
}

/** Posts the upload form the way a browser does: the CSRF field first, then the file. */
export async function uploadForm(client: TestClient, file: Buffer, options: { filename?: string; contentType?: string; title?: string; headers?: Record<string, string> } = {}) {
  const token = extractCsrf((await client.get('/photos/upload/')).body) ?? '';
  const parts: Part[] = [{ name: '_csrf', value: token }];
  if (options.title !== undefined) parts.push({ name: 'title', value: options.title });
  parts.push({ name: 'image', value: file, filename: options.filename ?? 'photo.jpg', contentType: options.contentType ?? 'image/jpeg' });
  return postMultipart(client, parts, options.headers);
}

export function postMultipart(client: TestClient, parts: readonly Part[], headers: Record<string, string> = {}, url = '/photos/upload/') {
  const body = multipartBody(parts);
  return client.request({ method: 'POST', url, payload: body.payload, headers: { 'content-type': body.contentType, ...headers } });
}

/** Uploads, runs the job queue dry, and returns the new photo's id. */
export async function uploadProcessed(t: TestApp, client: TestClient, file?: Buffer, title?: string): Promise<string> {
  const response = await uploadForm(client, file ?? (await smallJpeg()), title === undefined ? {} : { title });
  if (response.statusCode !== 303) throw new Error(`upload failed: ${response.statusCode} ${response.body.slice(0, 300)}`);
  await t.app.jobWorker.drain();
  return photoIdFrom(response.headers.location);
}

export function photoIdFrom(location: unknown): string {
  const id = /^\/photos\/([0-9a-f]{32})\/$/.exec(String(location))?.[1];
  if (!id) throw new Error(`not a photo location: ${String(location)}`);
  return id;
}

import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { TestClient } from '../support/client.js';

const ALBUM_LOCATION = /^\/albums\/([0-9a-f]{32})\/$/;

/** Submits the albums page's create form; returns the new album's id. */
export async function createAlbum(client: TestClient, name: string): Promise<string> {
  const response = await client.submit('/albums/', { name });
  expect(response.statusCode, response.body.slice(0, 300)).toBe(303);
  const id = ALBUM_LOCATION.exec(String(response.headers.location))?.[1];
  if (!id) throw new Error(`not an album location: ${String(response.headers.location)}`);
  return id;
}

/** Posts a form with a repeated field (`photo`), the way a browser sends checkboxes. */
export function postForm(client: TestClient, url: string, fields: readonly (readonly [string, string])[]): Promise<LightMyRequestResponse> {
  return client.request({
    method: 'POST',
    url,
    payload: new URLSearchParams(fields.map(([k, v]) => [k, v])).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/** Posts `photo` ids to one of the album forms with the CSRF token of the album page. */
export async function postPhotos(client: TestClient, albumId: string, url: string, photoIds: readonly string[], extra: readonly (readonly [string, string])[] = []): Promise<LightMyRequestResponse> {
  const csrf = await client.csrfFrom('/albums/');
  return postForm(client, url.replace(':id', albumId), [['_csrf', csrf], ...photoIds.map((id) => ['photo', id] as const), ...extra]);
}

/** The photo ids of the tiles on an album page, in order. */
export function tileIds(html: string): string[] {
  return [...html.matchAll(/<li data-photo-id="([0-9a-f]{32})">/g)].map((m) => m[1]!);
}

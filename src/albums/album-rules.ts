import { randomBytes } from 'node:crypto';
import { AppError } from '../errors/catalog.js';

export const ALBUM_NAME_MAX = 100;
// Shared with the Trash's selection: the rule lives with photo ids.
export { checkPhotoIds, MAX_PHOTOS_PER_REQUEST } from '../photos/photo-id.js';

const RANDOM_ID = /^[0-9a-f]{32}$/;
// Control characters and bidirectional overrides could make one album's name look like another's
// (Unicode TR36 / "Trojan Source"), so names are plain text on one line.
const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** 128 random bits as 32 lowercase hex characters, like photo ids: unguessable. */
export function newAlbumId(): string {
  return randomBytes(16).toString('hex');
}

/** An album id from a URL; anything that is not one is simply not found. */
export function parseAlbumId(raw: unknown): string {
  if (typeof raw !== 'string' || !RANDOM_ID.test(raw)) throw new AppError('not_found');
  return raw;
}

/** NFKC-normalised and trimmed, as stored. */
export function normalizeAlbumName(raw: string): string {
  return raw.normalize('NFKC').trim();
}

/** Why a (normalised) album name is not acceptable; empty when it is. */
export function albumNameErrors(name: string): string[] {
  if (name.length === 0) return ['Enter a name for the album.'];
  if ([...name].length > ALBUM_NAME_MAX) return [`An album name must have at most ${ALBUM_NAME_MAX} characters.`];
  if (FORBIDDEN.test(name)) return ['An album name cannot contain control or text-direction characters.'];
  return [];
}


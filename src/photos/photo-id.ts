import { AppError } from '../errors/catalog.js';

const PHOTO_ID = /^[0-9a-f]{32}$/;

/** A photo id from a URL; anything that is not one is simply not found. */
export function parsePhotoId(raw: unknown): string {
  if (typeof raw !== 'string' || !PHOTO_ID.test(raw)) throw new AppError('not_found');
  return raw;
}

/** Photo ids one request may name (an album's additions, a Trash selection): a gallery page's worth and then some. */
export const MAX_PHOTOS_PER_REQUEST = 100;

/**
 * Photo ids sent with a request, checked for shape and number before any look-up: a malformed id
 * or too many of them is a 400; repeats count once. `required` refuses an empty list.
 */
export function checkPhotoIds(ids: readonly string[], required: boolean): string[] {
  const unique = [...new Set(ids)];
  if (required && unique.length === 0) throw new AppError('validation_failed', { detail: 'Choose at least one photo.' });
  if (unique.length > MAX_PHOTOS_PER_REQUEST) throw new AppError('validation_failed', { detail: `At most ${MAX_PHOTOS_PER_REQUEST} photos at a time.` });
  if (!unique.every((id) => PHOTO_ID.test(id))) throw new AppError('validation_failed', { detail: 'That is not a photo id.' });
  return unique;
}

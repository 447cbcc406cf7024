import { AppError } from '../errors/catalog.js';

const PHOTO_ID = /^[0-9a-f]{32}$/;

/** A photo id from a URL; anything that is not one is simply not found. */
export function parsePhotoId(raw: unknown): string {
  if (typeof raw !== 'string' || !PHOTO_ID.test(raw)) throw new AppError('not_found');
  return raw;
}

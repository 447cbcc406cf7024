import type { FastifyRequest } from 'fastify';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import { parsePhotoId } from './photo-id.js';
import type { PhotoRecord } from './photo-repository.js';
import type { PhotoService } from './photo-service.js';

/**
 * The photo named in the URL (`:id`) if the signed-in user owns it; otherwise 404 (never 403: no
 * probing). A photo in the Trash is a 404 too, unless `inTrash` allows it (its media, deleting it).
 */
export async function ownedPhoto(request: FastifyRequest, service: PhotoService, options: { readonly inTrash?: boolean } = {}): Promise<PhotoRecord> {
  const user = requireUser(request);
  const id = parsePhotoId((request.params as Record<string, unknown>)['id']);
  const photo = options.inTrash ? await service.getOwnedAnywhere(user, id) : await service.getOwned(user, id);
  if (!photo) throw new AppError('not_found');
  return photo;
}

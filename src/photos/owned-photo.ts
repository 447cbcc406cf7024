import type { FastifyRequest } from 'fastify';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import { parsePhotoId } from './photo-id.js';
import type { PhotoRecord } from './photo-repository.js';
import type { PhotoService } from './photo-service.js';

/** The photo named in the URL (`:id`) if the signed-in user owns it; otherwise 404 (never 403: no probing). */
export async function ownedPhoto(request: FastifyRequest, service: PhotoService): Promise<PhotoRecord> {
  const user = requireUser(request);
  const id = parsePhotoId((request.params as Record<string, unknown>)['id']);
  const photo = await service.getOwned(user, id);
  if (!photo) throw new AppError('not_found');
  return photo;
}

import type { FastifyInstance } from 'fastify';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import { GalleryPage } from '../views/pages/gallery-page.js';
import { readQueryParam } from '../web/forms.js';
import { sendPage, viewContextFor } from '../web/pages.js';
import type { PhotoRepository } from './photo-repository.js';

const PAGE_SIZE = 48;
const MAX_PAGE = 100_000;

export async function photoRoutes(app: FastifyInstance, deps: { photos: PhotoRepository }): Promise<void> {
  app.get('/photos/', async (request, reply) => {
    const user = requireUser(request);
    const page = parsePage(readQueryParam(request.query, 'page'));
    const rows = await deps.photos.listForOwner(user.id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    return sendPage(reply, <GalleryPage context={viewContextFor(request, reply)} photos={rows.slice(0, PAGE_SIZE)} page={page} hasNext={rows.length > PAGE_SIZE} />);
  });
}

function parsePage(raw: string | null): number {
  if (raw === null || raw === '') return 1;
  if (!/^\d{1,6}$/.test(raw)) throw new AppError('bad_request', { detail: 'The page number must be a whole number.' });
  const page = Number(raw);
  if (page < 1 || page > MAX_PAGE) throw new AppError('bad_request', { detail: 'The page number is out of range.' });
  return page;
}

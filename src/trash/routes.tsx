import type { FastifyInstance } from 'fastify';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import { checkPhotoIds, parsePhotoId } from '../photos/photo-id.js';
import { parsePage } from '../photos/routes.js';
import { ConfirmEmptyTrashPage, TrashPage } from '../views/pages/trash-page.js';
import { readFormList, readQueryParam } from '../web/forms.js';
import { redirectWithNotice } from '../web/notices.js';
import { sendPage, viewContextFor } from '../web/pages.js';
import type { TrashService } from './trash-service.js';

export interface TrashRoutesDeps {
  readonly trash: TrashService;
}

const PAGE_SIZE = 48;

/**
 * The Trash pages and forms: signed in, CSRF-checked, owner-only (another user's id, an id not in
 * the library or not in the Trash is a 404). Deleting one photo for good stays `POST /photos/<id>/delete/`.
 */
export async function trashRoutes(app: FastifyInstance, deps: TrashRoutesDeps): Promise<void> {
  const photoIdOf = (params: unknown) => parsePhotoId((params as Record<string, unknown>)['id']);

  app.get('/photos/trash/', async (request, reply) => {
    const user = requireUser(request);
    const page = parsePage(readQueryParam(request.query, 'page'));
    const rows = await deps.trash.list(user.id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    const photos = rows.slice(0, PAGE_SIZE).map(({ photo, trashedAt, purgeAt }) => ({ ...photo, trashedAt, purgeAt }));
    return sendPage(reply, <TrashPage context={viewContextFor(request, reply)} photos={photos} page={page} hasNext={rows.length > PAGE_SIZE} retentionDays={deps.trash.retentionDays} />);
  });

  // The gallery's selection (its "Move to Trash" button): every photo named must be the owner's, in the library, or nothing moves.
  app.post('/photos/trash/', async (request, reply) => {
    const user = requireUser(request);
    const ids = checkPhotoIds(readFormList(request.body, 'photo'), true);
    if (!(await deps.trash.trash(user.id, ids))) throw new AppError('not_found');
    request.log.info({ event: 'photos_trashed', photos: ids.length }, 'photos moved to the Trash');
    return redirectWithNotice(reply, '/photos/', ids.length === 1 ? 'photo_trashed' : 'photos_trashed');
  });

  app.post('/photos/:id/trash/', async (request, reply) => {
    const user = requireUser(request);
    const id = photoIdOf(request.params);
    if (!(await deps.trash.trash(user.id, [id]))) throw new AppError('not_found');
    request.log.info({ event: 'photos_trashed', photo_id: id, photos: 1 }, 'photo moved to the Trash');
    return redirectWithNotice(reply, '/photos/', 'photo_trashed');
  });

  app.post('/photos/:id/restore/', async (request, reply) => {
    const user = requireUser(request);
    const id = photoIdOf(request.params);
    if (!(await deps.trash.restore(user.id, id))) throw new AppError('not_found');
    request.log.info({ event: 'photo_restored', photo_id: id }, 'photo restored from the Trash');
    return redirectWithNotice(reply, '/photos/trash/', 'photo_restored');
  });

  app.get('/photos/trash/empty/', async (request, reply) => {
    const user = requireUser(request);
    return sendPage(reply, <ConfirmEmptyTrashPage context={viewContextFor(request, reply)} count={await deps.trash.count(user.id)} />);
  });

  app.post('/photos/trash/empty/', async (request, reply) => {
    const user = requireUser(request);
    const deleted = await deps.trash.empty(user.id);
    request.log.info({ event: 'trash_emptied', photos: deleted }, 'Trash emptied');
    return redirectWithNotice(reply, '/photos/trash/', 'trash_emptied');
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import type { PhotoRecord } from '../photos/photo-repository.js';
import { registerOwnerShareRoutes } from '../shares/owner-routes.js';
import { renderShareSection, revealedShare, type ShareSectionExtras } from '../shares/share-section.js';
import type { ShareService } from '../shares/share-service.js';
import type { AlbumTileView } from '../views/components/album-tile.js';
import { AlbumChooserPage } from '../views/pages/album-chooser-page.js';
import { AlbumDeletePage } from '../views/pages/album-delete-page.js';
import { AlbumPage } from '../views/pages/album-page.js';
import { AlbumsPage } from '../views/pages/albums-page.js';
import { parsePageNumber, readForm, readFormList, readQueryParam } from '../web/forms.js';
import { redirectWithNotice } from '../web/notices.js';
import type { RevealSealer } from '../web/one-time-reveal.js';
import { sendPage, viewContextFor } from '../web/pages.js';
import { ALBUM_NAME_MAX, checkPhotoIds, parseAlbumId } from './album-rules.js';
import type { AlbumService, AlbumWithCover } from './album-service.js';

export interface AlbumRoutesDeps {
  readonly albums: AlbumService;
  readonly shares: ShareService;
  /** Opens the sealed cookie that carries a new album link to the album page (shown once). */
  readonly reveals: RevealSealer;
}

const PAGE_SIZE = 48;
const MAX_PAGE = 10_000;

/** The owner's album pages and forms (signed in, CSRF-checked, owner-only: anyone else gets 404). */
export async function albumRoutes(app: FastifyInstance, deps: AlbumRoutesDeps): Promise<void> {
  const owned = async (request: FastifyRequest): Promise<AlbumWithCover> => {
    const user = requireUser(request);
    const album = await deps.albums.getOwned(user.id, parseAlbumId((request.params as Record<string, unknown>)['id']));
    if (!album) throw new AppError('not_found');
    return album;
  };
  const albumId = (request: FastifyRequest) => parseAlbumId((request.params as Record<string, unknown>)['id']);

  const sendAlbumsPage = async (request: FastifyRequest, reply: FastifyReply, form: { name: string; errors: readonly string[] } | undefined, status = 200) => {
    const user = requireUser(request);
    const page = parsePageNumber(readQueryParam(request.query, 'page'), MAX_PAGE);
    const rows = await deps.albums.list(user.id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    const albums = rows.slice(0, PAGE_SIZE).map(toTile);
    const props = { context: viewContextFor(request, reply), albums, page, hasNext: rows.length > PAGE_SIZE, maxName: ALBUM_NAME_MAX, ...form };
    return sendPage(reply, <AlbumsPage {...props} />, status);
  };

  const sendAlbumPage = async (request: FastifyRequest, reply: FastifyReply, found: AlbumWithCover, options: { rename?: { name: string; errors: readonly string[] }; shares?: ShareSectionExtras; status?: number } = {}) => {
    const { album } = found;
    const page = parsePageNumber(readQueryParam(request.query, 'page'), MAX_PAGE);
    const rows = await deps.albums.listReadyPhotos(album.id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    const section = await renderShareSection(deps.shares, reply, album.owner_id, { kind: 'album', id: album.id }, null, options.shares);
    const view = { id: album.id, name: album.name, photoCount: album.photo_count, coverId: album.cover_id, coverChosen: album.cover_photo_id !== null };
    return sendPage(
      reply,
      <AlbumPage context={viewContextFor(request, reply)} album={view} photos={rows.slice(0, PAGE_SIZE).map(toPhotoView)} page={page} hasNext={rows.length > PAGE_SIZE} maxName={ALBUM_NAME_MAX} rename={options.rename}>
        {section}
      </AlbumPage>,
      options.status,
    );
  };

  const sendChooser = async (request: FastifyRequest, reply: FastifyReply, photoIds: readonly string[], form: { name: string; errors: readonly string[] } | undefined, status = 200) => {
    const albums = await deps.albums.listNames(requireUser(request).id);
    return sendPage(reply, <AlbumChooserPage context={viewContextFor(request, reply)} photoIds={photoIds} albums={albums} maxName={ALBUM_NAME_MAX} {...form} />, status);
  };

  app.get('/albums/', (request, reply) => sendAlbumsPage(request, reply, undefined));

  // Creates an album, empty (the albums page) or with the photos selected in the gallery (the chooser).
  app.post('/albums/', async (request, reply) => {
    const user = requireUser(request);
    const form = readForm(request.body, ['name'] as const);
    const photoIds = checkPhotoIds(readFormList(request.body, 'photo'), false);
    const result = await deps.albums.create(user.id, form.name, photoIds);
    if (!result.ok) {
      const refused = { name: form.name, errors: result.errors };
      return photoIds.length > 0 ? sendChooser(request, reply, photoIds, refused, 400) : sendAlbumsPage(request, reply, refused, 400);
    }
    request.log.info({ event: 'album_created', album_id: result.id, photos: photoIds.length }, 'album created');
    return redirectWithNotice(reply, `/albums/${result.id}/`, 'album_created');
  });

  // The gallery's selection: choose an album for the photos (nothing changes until that choice).
  app.post('/albums/selection/', async (request, reply) => sendChooser(request, reply, checkPhotoIds(readFormList(request.body, 'photo'), true), undefined));

  // The photo page's select: the album comes as a field, the photos as `photo`.
  app.post('/albums/add/', async (request, reply) => {
    const user = requireUser(request);
    const id = parseAlbumId(readForm(request.body, ['album'] as const).album);
    const added = await deps.albums.addPhotos(user.id, id, readFormList(request.body, 'photo'));
    request.log.info({ event: 'album_photos_added', album_id: id, added }, 'photos added to album');
    return redirectWithNotice(reply, `/albums/${id}/`, 'album_photos_added');
  });

  app.get('/albums/:id/', async (request, reply) => {
    const found = await owned(request);
    const created = await revealedShare(deps.shares, request, reply, deps.reveals, found.album.owner_id, { kind: 'album', id: found.album.id });
    return sendAlbumPage(request, reply, found, created ? { shares: { created } } : {});
  });

  // Adds (`photos/`) or removes (`photos/remove/`) the photos named by the repeatable `photo` field.
  for (const [path, change] of [
    ['/albums/:id/photos/', 'add'],
    ['/albums/:id/photos/remove/', 'remove'],
  ] as const) {
    app.post(path, async (request, reply) => {
      const user = requireUser(request);
      const id = albumId(request);
      const photoIds = readFormList(request.body, 'photo');
      const count = change === 'add' ? await deps.albums.addPhotos(user.id, id, photoIds) : await deps.albums.removePhotos(user.id, id, photoIds);
      request.log.info({ event: `album_photos_${change === 'add' ? 'added' : 'removed'}`, album_id: id, count }, 'album photos changed');
      return redirectWithNotice(reply, `/albums/${id}/`, change === 'add' ? 'album_photos_added' : 'album_photos_removed');
    });
  }

  app.post('/albums/:id/cover/', async (request, reply) => {
    const user = requireUser(request);
    const id = albumId(request);
    const { photo } = readForm(request.body, ['photo'] as const);
    await deps.albums.setCover(user.id, id, photo === '' ? null : photo);
    return redirectWithNotice(reply, `/albums/${id}/`, 'album_cover_set');
  });

  app.post('/albums/:id/rename/', async (request, reply) => {
    const found = await owned(request);
    const { name } = readForm(request.body, ['name'] as const);
    const result = await deps.albums.rename(found.album.owner_id, found.album.id, name);
    if (!result.ok) return sendAlbumPage(request, reply, found, { rename: { name, errors: result.errors }, status: 400 });
    return redirectWithNotice(reply, `/albums/${found.album.id}/`, 'album_renamed');
  });

  app.get('/albums/:id/delete/', async (request, reply) => {
    const { album } = await owned(request);
    return sendPage(reply, <AlbumDeletePage context={viewContextFor(request, reply)} album={{ id: album.id, name: album.name, photoCount: album.photo_count }} />);
  });

  app.post('/albums/:id/delete/', async (request, reply) => {
    const user = requireUser(request);
    const id = albumId(request);
    await deps.albums.delete(user.id, id);
    request.log.info({ event: 'album_deleted', album_id: id }, 'album deleted');
    return redirectWithNotice(reply, '/albums/', 'album_deleted');
  });

  registerOwnerShareRoutes(app, deps.shares, deps.reveals, {
    kind: 'album',
    load: owned,
    subjectOf: ({ album }) => ({ kind: 'album', album }),
    parseId: parseAlbumId,
    sendPage: (request, reply, found, shares, status) => sendAlbumPage(request, reply, found, { shares, ...(status === undefined ? {} : { status }) }),
  });
}

function toTile({ album, cover }: AlbumWithCover): AlbumTileView {
  return {
    id: album.id,
    name: album.name,
    photoCount: album.photo_count,
    cover: cover ? { id: cover.id, altText: cover.alt_text || cover.title, width: cover.width, height: cover.height, placeholder: cover.placeholder } : null,
  };
}

function toPhotoView(photo: PhotoRecord) {
  return { id: photo.id, title: photo.title, altText: photo.alt_text, width: photo.width, height: photo.height, placeholder: photo.placeholder };
}

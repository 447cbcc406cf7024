import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import { requireUser } from '../accounts/routes.js';
import { AppError } from '../errors/catalog.js';
import type { MediaLinks } from '../media/storage/storage.js';
import { GalleryPage } from '../views/pages/gallery-page.js';
import { PhotoPage, type PhotoView, type ViewerNav } from '../views/pages/photo-page.js';
import { UploadPage } from '../views/pages/upload-page.js';
import { ConfirmDeletePage, PhotoDetailsPage } from '../views/pages/photo-forms-pages.js';
import { PageTemplateCache } from '../views/page-template-cache.js';
import { readForm, readQueryParam } from '../web/forms.js';
import { sendHtml, sendPage, viewContextFor, wantsJson } from '../web/pages.js';
import { factsOf } from './photo-facts-columns.js';
import { parsePhotoId } from './photo-id.js';
import type { PhotoRecord, PhotoTile } from './photo-repository.js';
import { PENDING_STATUSES, type PhotoService } from './photo-service.js';
import { PhotoRejectedError } from './pipeline/rejection.js';
import { serveMedia } from './serve-media.js';
import type { UploadValidator } from './pipeline/upload-checks.js';
import { acceptUploads, type UploadResult } from './upload/accept-upload.js';
import { UploadSummaryPage, type UploadResultView } from '../views/pages/upload-summary-page.js';
import { cleanPhotoText } from './photo-text.js';
import { ownedPhoto } from './owned-photo.js';
import { redirectWithNotice } from '../web/notices.js';
import { photoName } from '../views/photo-dates.js';
import { listContextQuery, listUrl, parseListContext, readSearchInput, type ListContext } from './list-context.js';
import { parsePhotoSearch, searchParams } from './search/photo-search.js';

export interface PhotoRoutesDeps {
  readonly service: PhotoService;
  readonly stagingDir: string;
  readonly maxBytes: number;
  readonly maxPixels: number;
  /** The upload gate: sharp where jobs run, a header-only parser on a web-only instance. */
  readonly validate: UploadValidator;
  /** Files in one post of the upload form. */
  readonly maxFiles: number;
  /** The W3C traceparent of the current request, so background steps join its trace. */
  readonly traceParentOf?: (request: FastifyRequest) => string;
  /** Extra sections drawn under the owner's photo (share links), so photos need not know shares. */
  readonly renderPhotoSections?: (request: FastifyRequest, reply: FastifyReply, photo: PhotoRecord) => Promise<ComponentChildren>;
  /** MEDIA_DELIVERY=redirect: media answer with a short-lived signed storage URL. */
  readonly mediaLinks?: MediaLinks;
  /**
   * A photo's album name and neighbours when it is a ready photo of that album of the owner's, else
   * undefined (albums answer it, so photos need not know albums).
   */
  readonly albumNeighbours?: (ownerId: string, albumId: string, photoId: string) => Promise<{ readonly albumName: string; readonly previous: PhotoTile | undefined; readonly next: PhotoTile | undefined } | undefined>;
}

const PAGE_SIZE = 48;
const MAX_PAGE = 100_000;

export async function photoRoutes(app: FastifyInstance, deps: PhotoRoutesDeps): Promise<void> {
  // Multipart parsing exists only in this context, and only routes marked multipartUpload read it.
  await app.register(fastifyMultipart, { limits: { fileSize: deps.maxBytes, files: deps.maxFiles, fields: 4, parts: deps.maxFiles + 5 } });
  const maxMegabytes = Math.round((deps.maxBytes / (1024 * 1024)) * 10) / 10;
  const galleryPages = new PageTemplateCache();

  app.get('/photos/', async (request, reply) => {
    const user = requireUser(request);
    const page = parsePage(readQueryParam(request.query, 'page'));
    const context = viewContextFor(request, reply);
    const parsed = parsePhotoSearch(readSearchInput(request.query));
    if (!parsed.ok) {
      // The form again, with what was typed and why it was refused (not a bare error page).
      const search = { ...parsed.input, errors: parsed.errors, query: '' };
      return sendPage(reply, <GalleryPage context={context} photos={[]} page={1} hasNext={false} maxBytes={deps.maxBytes} search={search} />, 400);
    }
    if (parsed.search) {
      const found = parsed.search;
      const [rows, count] = await Promise.all([deps.service.listTiles(user.id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE, found), deps.service.count(user.id, found)]);
      const search = { q: found.q, from: found.from, to: found.to, errors: [], found: count, query: new URLSearchParams(searchParams(found)).toString() };
      return sendPage(reply, <GalleryPage context={context} photos={rows.slice(0, PAGE_SIZE)} page={page} hasNext={rows.length > PAGE_SIZE} maxBytes={deps.maxBytes} search={search} />);
    }
    // Every change to the user's photos changes photosVersion (a database trigger), so a page
    // rendered under the same number shows exactly the tiles a fresh read would: no query needed.
    const key = `${user.id}\u0000${user.photosVersion}\u0000${page}`;
    const cached = galleryPages.get(key, context);
    if (cached !== undefined) return sendHtml(reply, cached);
    const rows = await deps.service.listTiles(user.id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE);
    const photos = rows.slice(0, PAGE_SIZE);
    const hasNext = rows.length > PAGE_SIZE;
    const html = galleryPages.render(key, context, (pageContext) => <GalleryPage context={pageContext} photos={photos} page={page} hasNext={hasNext} maxBytes={deps.maxBytes} />);
    return sendHtml(reply, html);
  });

  app.get('/photos/upload/', async (request, reply) =>
    sendPage(reply, <UploadPage context={viewContextFor(request, reply)} maxMegabytes={maxMegabytes} errors={[]} />),
  );

  app.post('/photos/upload/', { config: { multipartUpload: true } }, async (request, reply) => {
    const user = requireUser(request);
    const results = await acceptUploads(request, user.id, { ...deps, traceParent: deps.traceParentOf?.(request) ?? '' });
    const [only] = results;
    if (results.length === 1 && only) return answerOneUpload(request, reply, only);
    if (wantsJson(request)) return reply.code(200).send({ results: results.map(uploadResultJson) });
    // A refresh re-posts the files; the content hashes make that harmless (reported as already there).
    return sendPage(reply, <UploadSummaryPage context={viewContextFor(request, reply)} results={results.map(uploadResultView)} />);
  });

  /** One file: its photo page (or JSON for the upload script), as before several files were possible. */
  function answerOneUpload(request: FastifyRequest, reply: FastifyReply, result: UploadResult) {
    if (result.kind === 'refused') {
      if (wantsJson(request)) throw result.error;
      const message = result.error instanceof PhotoRejectedError ? result.error.userMessage : result.error.detail;
      if (result.error instanceof PhotoRejectedError) request.log.info({ event: 'upload_rejected', reason: result.error.reason }, 'upload rejected');
      return sendPage(reply, <UploadPage context={viewContextFor(request, reply)} maxMegabytes={maxMegabytes} errors={[message]} />, result.error.status);
    }
    if (wantsJson(request)) return reply.code(result.kind === 'accepted' ? 202 : 200).send(uploadResultJson(result));
    if (result.kind === 'duplicate') return redirectWithNotice(reply, `/photos/${result.photo.id}/`, 'photo_duplicate');
    return reply.redirect(`/photos/${result.photo.id}/`, 303);
  }

  /** Back to the list the photo was opened from, and its neighbours there (links keep the list). */
  async function viewerNav(ownerId: string, photo: PhotoRecord, list: ListContext): Promise<ViewerNav> {
    const link = (tile: PhotoTile | undefined, within: ListContext) => tile && { href: `/photos/${tile.id}/${listContextQuery(within)}`, name: photoName(tile) };
    if (list.kind === 'album') {
      const around = await deps.albumNeighbours?.(ownerId, list.albumId, photo.id);
      if (around) return { backHref: listUrl(list), backLabel: around.albumName, previous: link(around.previous, list), next: link(around.next, list) };
      // Not an album of the owner's, or the photo is not (or no longer) in it: the gallery, which
      // shows nothing of anyone else's.
      list = { kind: 'gallery', search: null };
    }
    const { previous, next } = await deps.service.neighbours(ownerId, photo, list.search);
    return { backHref: listUrl(list), backLabel: list.search ? 'Search results' : 'All photos', previous: link(previous, list), next: link(next, list) };
  }

  app.get('/photos/:id/', async (request, reply) => {
    const photo = await ownedPhoto(request, deps.service);
    const pending = PENDING_STATUSES.has(photo.status);
    const nav = await viewerNav(photo.owner_id, photo, parseListContext(request.query));
    const sections = await deps.renderPhotoSections?.(request, reply, photo);
    return sendPage(
      reply,
      <PhotoPage context={viewContextFor(request, reply)} photo={toView(photo)} pending={pending} nav={nav}>
        {sections}
      </PhotoPage>,
    );
  });

  app.get('/photos/:id/status/', async (request, reply) => {
    const photo = await ownedPhoto(request, deps.service);
    return reply.send({ id: photo.id, status: photo.status, detail: photo.status_detail, final: !PENDING_STATUSES.has(photo.status) });
  });

  // The owner still sees a trashed photo's thumbnail in the Trash (share links serve it no more).
  app.get('/photos/:id/media/:variant', { config: { neverCache: false, html: false } }, async (request, reply) => {
    const photo = await ownedPhoto(request, deps.service, { inTrash: true });
    return serveMedia(request, reply, deps.service, photo, (request.params as Record<string, unknown>)['variant'], deps.mediaLinks);
  });

  app.get('/photos/:id/edit/', async (request, reply) => {
    const photo = await ownedPhoto(request, deps.service);
    return sendPage(reply, <PhotoDetailsPage context={viewContextFor(request, reply)} photo={toView(photo)} />);
  });

  // Deleting for good works from the library and from the Trash.
  app.get('/photos/:id/delete/', async (request, reply) => {
    const photo = await ownedPhoto(request, deps.service, { inTrash: true });
    const cancelHref = photo.trashed_at === null ? `/photos/${photo.id}/` : '/photos/trash/';
    return sendPage(reply, <ConfirmDeletePage context={viewContextFor(request, reply)} photo={toView(photo)} cancelHref={cancelHref} />);
  });

  app.post('/photos/:id/edit/', async (request, reply) => {
    const user = requireUser(request);
    const id = parsePhotoId((request.params as Record<string, unknown>)['id']);
    const form = readForm(request.body, ['title', 'alt_text', 'caption'] as const);
    const fields = {
      title: cleanPhotoText(form.title, 'title'),
      alt_text: cleanPhotoText(form.alt_text, 'alt_text'),
      caption: cleanPhotoText(form.caption, 'caption'),
    };
    if (!(await deps.service.updateText(user.id, id, fields))) throw new AppError('not_found');
    return redirectWithNotice(reply, `/photos/${id}/`, 'photo_saved');
  });

  app.post('/photos/:id/delete/', async (request, reply) => {
    const user = requireUser(request);
    const id = parsePhotoId((request.params as Record<string, unknown>)['id']);
    const photo = await deps.service.getOwnedAnywhere(user, id);
    if (!photo || !(await deps.service.delete(user.id, id))) throw new AppError('not_found');
    request.log.info({ event: 'photo_deleted', photo_id: id }, 'photo deleted');
    return redirectWithNotice(reply, photo.trashed_at === null ? '/photos/' : '/photos/trash/', 'photo_deleted');
  });
}

/** The upload script's view of one file's fate (the page's own protocol, not the public API). */
function uploadResultJson(result: UploadResult) {
  const name = result.name;
  if (result.kind === 'refused') return { name, result: 'refused', status: result.error.status, detail: result.error.detail };
  const { id, status } = result.photo;
  return { name, result: result.kind, duplicate: result.kind === 'duplicate', id, status, status_url: `/photos/${id}/status/`, page_url: `/photos/${id}/` };
}

function uploadResultView(result: UploadResult): UploadResultView {
  if (result.kind === 'refused') return { kind: 'refused', name: result.name, message: result.error instanceof PhotoRejectedError ? result.error.userMessage : result.error.detail };
  return { kind: result.kind, name: result.name, photoId: result.photo.id, title: result.photo.title };
}

export function toView(photo: PhotoRecord): PhotoView {
  return {
    id: photo.id,
    title: photo.title,
    status: photo.status,
    statusDetail: photo.status_detail,
    originalName: photo.original_name,
    width: photo.width,
    height: photo.height,
    bytes: photo.bytes,
    format: photo.format,
    placeholder: photo.placeholder,
    altText: photo.alt_text,
    caption: photo.caption,
    createdAt: photo.created_at,
    ...factsOf(photo),
  };
}

export function parsePage(raw: string | null): number {
  if (raw === null || raw === '') return 1;
  if (!/^\d{1,6}$/.test(raw)) throw new AppError('bad_request', { detail: 'The page number must be a whole number.' });
  const page = Number(raw);
  if (page < 1 || page > MAX_PAGE) throw new AppError('bad_request', { detail: 'The page number is out of range.' });
  return page;
}


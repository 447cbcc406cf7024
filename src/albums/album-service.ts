import { AppError } from '../errors/catalog.js';
import type { PhotoRecord } from '../photos/photo-repository.js';
import type { AlbumRepository, AlbumSummaryRow } from './album-repository.js';
import { albumNameErrors, checkPhotoIds, newAlbumId, normalizeAlbumName } from './album-rules.js';

export interface AlbumServiceDeps {
  readonly albums: AlbumRepository;
  readonly now?: () => number;
}

/** An album with its cover photo's record (for the thumbnail), as lists and pages show it. */
export interface AlbumWithCover {
  readonly album: AlbumSummaryRow;
  readonly cover: PhotoRecord | undefined;
}

export type NameResult = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly errors: readonly string[] };

const PICKER_LIMIT = 500;
const NOT_YOURS = 'One or more of these photos do not exist.';

/** Albums: names, photos, covers. Every operation is for the owner only; anyone else gets a 404. */
export function createAlbumService(deps: AlbumServiceDeps) {
  const now = deps.now ?? Date.now;

  async function withCovers(ownerId: string, rows: readonly AlbumSummaryRow[]): Promise<AlbumWithCover[]> {
    const covers = await deps.albums.findPhotos(ownerId, rows.flatMap((r) => (r.cover_id ? [r.cover_id] : [])));
    const byId = new Map(covers.map((p) => [p.id, p]));
    return rows.map((album) => ({ album, cover: album.cover_id ? byId.get(album.cover_id) : undefined }));
  }

  return {
    /** Creates an album, with the owner's photos `photoIds` in it (all of them or no album: a 404). */
    async create(ownerId: string, rawName: string, photoIds: readonly string[] = []): Promise<NameResult> {
      const name = normalizeAlbumName(rawName);
      const errors = albumNameErrors(name);
      if (errors.length > 0) return { ok: false, errors };
      const ids = checkPhotoIds(photoIds, false);
      const at = now();
      const album = { id: newAlbumId(), owner_id: ownerId, name, cover_photo_id: null, created_at: at, updated_at: at };
      const outcome = await deps.albums.insert(album, ids);
      if (!outcome.ok) throw new AppError('not_found', { detail: NOT_YOURS });
      return { ok: true, id: album.id };
    },

    async list(ownerId: string, limit: number, offset: number): Promise<AlbumWithCover[]> {
      return withCovers(ownerId, await deps.albums.listForOwner(ownerId, limit, offset));
    },

    /** The album if `ownerId` owns it; undefined otherwise (a 404, never a 403). */
    async getOwned(ownerId: string, id: string): Promise<AlbumWithCover | undefined> {
      const album = await deps.albums.findOwned(ownerId, id);
      return album && (await withCovers(ownerId, [album]))[0];
    },

    /** The owner's albums for a picker (id and name, newest first). */
    listNames(ownerId: string) {
      return deps.albums.listNames(ownerId, PICKER_LIMIT);
    },

    listContaining(ownerId: string, photoId: string) {
      return deps.albums.listContaining(ownerId, photoId, PICKER_LIMIT);
    },

    /** A page of the album's ready photos; call it only for an album the caller may see. */
    listReadyPhotos(albumId: string, limit: number, offset: number) {
      return deps.albums.listReadyPhotos(albumId, limit, offset);
    },

    /** The photo's neighbours in the owner's album (the photo page's previous/next); undefined when it is not a ready photo of an album of theirs. */
    neighbours(ownerId: string, albumId: string, photoId: string) {
      return deps.albums.findNeighbours(ownerId, albumId, photoId);
    },

    findReadyPhoto(albumId: string, photoId: string) {
      return deps.albums.findReadyPhoto(albumId, photoId);
    },

    async rename(ownerId: string, id: string, rawName: string): Promise<NameResult> {
      const name = normalizeAlbumName(rawName);
      const errors = albumNameErrors(name);
      if (errors.length > 0) return { ok: false, errors };
      if (!(await deps.albums.rename(ownerId, id, name, now()))) throw new AppError('not_found');
      return { ok: true, id };
    },

    /** Deletes the album and its links; its photos stay in the library. */
    async delete(ownerId: string, id: string): Promise<void> {
      if (!(await deps.albums.deleteOwned(ownerId, id))) throw new AppError('not_found');
    },

    /** Adds the owner's photos (all or none); someone else's or an unknown photo is a 404, like an unknown album. */
    async addPhotos(ownerId: string, albumId: string, photoIds: readonly string[]): Promise<number> {
      const outcome = await deps.albums.addPhotos(ownerId, albumId, checkPhotoIds(photoIds, true), now());
      if (!outcome.ok) throw new AppError('not_found', outcome.reason === 'photo_not_found' ? { detail: NOT_YOURS } : {});
      return outcome.added;
    },

    /** Removes photos from the album (never from the library); ids not in the album are ignored. */
    async removePhotos(ownerId: string, albumId: string, photoIds: readonly string[]): Promise<number> {
      const removed = await deps.albums.removePhotos(ownerId, albumId, checkPhotoIds(photoIds, true), now());
      if (removed === undefined) throw new AppError('not_found');
      return removed;
    },

    /** Makes one of the album's photos its cover; null goes back to the first photo. */
    async setCover(ownerId: string, albumId: string, photoId: string | null): Promise<void> {
      if (photoId !== null) checkPhotoIds([photoId], true);
      const outcome = await deps.albums.setCover(ownerId, albumId, photoId, now());
      if (outcome === 'album_not_found') throw new AppError('not_found');
      if (outcome === 'photo_not_found') throw new AppError('not_found', { detail: 'That photo is not in this album.' });
    },
  };
}

export type AlbumService = ReturnType<typeof createAlbumService>;

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { MediaNotFoundError, type MediaStorage } from '../media/storage/storage.js';
import type { JobQueue } from '../jobs/job-queue.js';
import { MediaCache, readFully } from './media-cache.js';
import { MEDIA_VARIANTS, mediaKey, type MediaVariant } from './media-variants.js';
import { OwnedPhotoCache, type PhotoOwner } from './owned-photo-cache.js';
import { NO_FACT_COLUMNS } from './photo-facts-columns.js';
import type { PhotoRecord, PhotoRepository } from './photo-repository.js';
import { deletePhotoFiles } from './pipeline/store-photo.js';
import { processPhotoJob } from './processing/photo-job.js';
import type { StagedUpload } from './upload/receive-upload.js';
import type { StagingArea } from './upload/staging.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import type { PhotoSearch } from './search/photo-search.js';
import { AppError } from '../errors/catalog.js';

export interface PhotoServiceDeps {
  readonly photos: PhotoRepository;
  readonly storage: MediaStorage;
  readonly staging: StagingArea;
  /** Where the photo's processing job goes. */
  readonly queue: Pick<JobQueue, 'enqueueWith'>;
  readonly now?: () => number;
  /** Small variants served recently (default: an 8 MiB cache of thumbnails up to 128 KiB each). */
  readonly mediaCache?: MediaCache;
  /**
   * Refuses (throws) an upload of `bytes` more that the owner's storage quota has no room for; given
   * the transaction that records the photo, checks under the owner's row lock (no race).
   */
  readonly checkQuota?: (ownerId: string, bytes: number, trx?: Transaction<Database>) => Promise<void>;
}

/** A variant ready to send: small ones as bytes (from the cache or read whole), originals as a stream. */
export type OpenedMedia = { readonly size: number } & ({ readonly data: Buffer; readonly stream?: undefined } | { readonly stream: Readable; readonly data?: undefined });

/** Photo statuses whose media exist and may be served to the owner. */
export const VIEWABLE_STATUSES: ReadonlySet<string> = new Set(['ready', 'held']);
/** Statuses that will still change on their own. */
export const PENDING_STATUSES: ReadonlySet<string> = new Set(['queued', 'scanning', 'processing', 'pending_scan']);

/** Statuses of a photo that the same upload may replace: it never became a photo. */
const RETRYABLE_STATUSES: ReadonlySet<string> = new Set(['rejected', 'failed']);

/** The owner uploaded these exact bytes before: `existing` is that photo (reported, not stored twice). */
export class DuplicateUploadError extends Error {
  constructor(readonly existing: PhotoRecord) {
    super('duplicate upload');
    this.name = 'DuplicateUploadError';
  }
}

/** 128 random bits as 32 lowercase hex characters: unguessable, and a valid storage key prefix. */
export function newPhotoId(): string {
  return randomBytes(16).toString('hex');
}

export function createPhotoService(deps: PhotoServiceDeps) {
  const now = deps.now ?? Date.now;
  const cache = deps.mediaCache ?? new MediaCache();
  const owned = new OwnedPhotoCache();

  /**
   * The owner already has these exact bytes: report that photo instead of storing a second copy. A
   * copy that was rejected or failed does not count (trying again is the point); it gives up its
   * hash so the new upload can have it.
   */
  async function refuseDuplicate(ownerId: string, staged: StagedUpload): Promise<void> {
    if (staged.uploadHash === '') return;
    const existing = await deps.photos.findByUploadHash(ownerId, staged.uploadHash);
    if (!existing) return;
    if (RETRYABLE_STATUSES.has(existing.status)) {
      await deps.photos.forgetUploadHash(ownerId, existing.id);
      return;
    }
    await rm(staged.path, { force: true });
    throw new DuplicateUploadError(existing);
  }

  /**
   * The owner's photo, in the Trash or not. A record read for the same owner under the same photos
   * version is reused without a query (OwnedPhotoCache).
   */
  async function getOwnedAnywhere(owner: PhotoOwner, id: string): Promise<PhotoRecord | undefined> {
    const cached = owned.get(owner, id);
    if (cached) return cached;
    const photo = await deps.photos.findOwned(owner.id, id);
    if (photo) owned.set(owner, photo);
    return photo;
  }

  /** After a photo's row is gone: its cached media, its files and any staged upload. */
  async function discardFiles(ownerId: string, id: string): Promise<void> {
    owned.evict(ownerId, id);
    for (const variant of MEDIA_VARIANTS) cache.delete(mediaKey(id, variant));
    await deletePhotoFiles(deps.storage, id);
    await deps.staging.remove(id);
  }

  return {
    /**
     * Takes over a staged upload: moves it to the job's staging name, then inserts the photo row
     * and its job in one transaction. A crash before the insert leaves only a staged file, which
     * the sweeper removes; after it, the job finishes the work.
     */
    async acceptUpload(ownerId: string, staged: StagedUpload, traceParent = ''): Promise<PhotoRecord> {
      await refuseDuplicate(ownerId, staged);
      if (deps.checkQuota) {
        try {
          await deps.checkQuota(ownerId, staged.bytes);
        } catch (error) {
          await rm(staged.path, { force: true });
          throw error;
        }
      }
      const id = newPhotoId();
      const at = now();
      try {
        await deps.staging.claim(staged, id);
      } catch (error) {
        // The bucket (S3 staging) is away: nothing was recorded, the client may simply retry.
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw error;
        throw new AppError('service_unavailable', { detail: 'The upload could not be stored right now. Try again shortly.', retryAfterSeconds: 30, cause: error });
      }
      const photo: PhotoRecord = {
        id,
        owner_id: ownerId,
        status: 'queued',
        status_detail: '',
        title: staged.title,
        original_name: staged.originalName,
        format: '',
        mime: '',
        width: 0,
        height: 0,
        bytes: staged.bytes,
        content_hash: '',
        upload_hash: staged.uploadHash,
        placeholder: '',
        alt_text: '',
        caption: '',
        trace_parent: traceParent,
        created_at: at,
        updated_at: at,
        ...NO_FACT_COLUMNS,
        keep_location: staged.keepLocation ? 1 : 0,
        trashed_at: null,
      };
      try {
        await deps.queue.enqueueWith(async (trx) => {
          // Again under the owner's row lock: uploads racing the check above cannot both pass it.
          if (deps.checkQuota) await deps.checkQuota(ownerId, staged.bytes, trx);
          await deps.photos.insert(photo, trx);
        }, processPhotoJob(photo, at));
      } catch (error) {
        await deps.staging.remove(id);
        // The same bytes, uploaded by the same owner at the same moment: the other upload won.
        const twin = isUniqueViolation(error) ? await deps.photos.findByUploadHash(ownerId, staged.uploadHash) : undefined;
        if (twin) throw new DuplicateUploadError(twin);
        throw error;
      }
      return photo;
    },

    /** A page of the owner's photos, or of those `search` finds. */
    list(ownerId: string, limit: number, offset: number, search: PhotoSearch | null = null) {
      return deps.photos.listForOwner(ownerId, limit, offset, search);
    },

    /** A page of gallery tiles (only the columns a tile shows), of the whole gallery or a search. */
    listTiles(ownerId: string, limit: number, offset: number, search: PhotoSearch | null = null) {
      return deps.photos.listTilesForOwner(ownerId, limit, offset, search);
    },

    count(ownerId: string, search: PhotoSearch | null = null) {
      return deps.photos.countForOwner(ownerId, search);
    },

    /** The photos before and after `photo` in the owner's gallery, or in a search of it. */
    neighbours(ownerId: string, photo: PhotoRecord, search: PhotoSearch | null = null) {
      return deps.photos.findNeighbours(ownerId, photo, search);
    },

    /**
     * The photo if `owner` owns it and it is not in the Trash; anyone else gets undefined (a 404,
     * never a 403).
     */
    async getOwned(owner: PhotoOwner, id: string): Promise<PhotoRecord | undefined> {
      const photo = await getOwnedAnywhere(owner, id);
      return photo?.trashed_at == null ? photo : undefined;
    },

    /** The owner's photo whether in the library or in the Trash (its media, deleting it for good). */
    getOwnedAnywhere,

    /** Edits the texts; the photo as it now is (read afresh), or undefined when the owner has no such photo. */
    async updateText(ownerId: string, id: string, fields: { title?: string; alt_text?: string; caption?: string }): Promise<PhotoRecord | undefined> {
      const updated = await deps.photos.updateText(ownerId, id, fields, now());
      // This request's photos version predates the edit: nothing cached under it may answer it now.
      owned.evict(ownerId, id);
      return updated ? deps.photos.findOwned(ownerId, id) : undefined;
    },

    /** Deletes the row first (the photo disappears at once), then its files and staged upload. */
    async delete(ownerId: string, id: string): Promise<boolean> {
      const deleted = await deps.photos.deleteOwned(ownerId, id);
      owned.evict(ownerId, id);
      if (!deleted) return false;
      await discardFiles(ownerId, id);
      return true;
    },

    /** Removes the files of a photo whose row another repository deleted (the Trash's purge). */
    discardFiles,

    /** Forgets what this process cached about the photo after another service changed its row. */
    forget(ownerId: string, id: string): void {
      owned.evict(ownerId, id);
    },

    /**
     * Opens one variant of a viewable photo, or null when it has no media (yet). Call it only for a
     * photo the caller may see: small variants come from the cache, keyed by the content hash.
     */
    async openMedia(photo: PhotoRecord, variant: MediaVariant): Promise<OpenedMedia | null> {
      if (!VIEWABLE_STATUSES.has(photo.status)) return null;
      const key = mediaKey(photo.id, variant);
      const cached = cache.get(key, photo.content_hash);
      if (cached) return { data: cached, size: cached.length };
      try {
        const media = await deps.storage.get(key);
        if (variant === 'original' || photo.content_hash === '' || media.size > cache.maxEntryBytes) return media;
        const data = await readFully(media.stream, media.size);
        cache.set(key, photo.content_hash, data);
        return { data, size: data.length };
      } catch (error) {
        if (error instanceof MediaNotFoundError) return null;
        throw error;
      }
    },
  };
}

export type PhotoService = ReturnType<typeof createPhotoService>;

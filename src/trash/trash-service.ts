import type { PhotoRecord } from '../photos/photo-repository.js';
import type { PhotoService } from '../photos/photo-service.js';
import type { TrashRepository } from './trash-repository.js';

export interface TrashServiceDeps {
  readonly trash: TrashRepository;
  readonly photos: Pick<PhotoService, 'discardFiles' | 'forget'>;
  /** TRASH_RETENTION_DAYS: how long a photo waits in the Trash before the purge deletes it. */
  readonly retentionDays: number;
  readonly now?: () => number;
}

/** A photo in the Trash and when the purge will delete it. */
export interface TrashedPhoto {
  readonly photo: PhotoRecord;
  readonly trashedAt: number;
  readonly purgeAt: number;
}

const DAY_MS = 24 * 60 * 60_000;
const BATCH = 100;
// One purge round deletes at most this many photos; the next round takes the rest.
const MAX_PURGE_BATCHES = 50;

/**
 * The Trash: photos leave the library without losing anything, come back, or go for good (at once,
 * all together, or by the housekeeping purge after the retention period).
 */
export function createTrashService(deps: TrashServiceDeps) {
  const now = deps.now ?? Date.now;
  const retentionMs = deps.retentionDays * DAY_MS;

  /** Deletes one trashed photo (row, then files) if it was trashed at or before `cutoff`. */
  async function deleteTrashed(ownerId: string, id: string, cutoff: number): Promise<boolean> {
    const deleted = await deps.trash.deleteIfTrashed(ownerId, id, cutoff);
    if (deleted) await deps.photos.discardFiles(ownerId, id);
    return deleted;
  }

  return {
    retentionDays: deps.retentionDays,

    /** Moves the owner's photos to the Trash: all of them, or none (false) when one is not the owner's photo in the library. */
    async trash(ownerId: string, ids: readonly string[]): Promise<boolean> {
      const unique = [...new Set(ids)];
      const outcome = await deps.trash.trash(ownerId, unique, now());
      for (const id of unique) deps.photos.forget(ownerId, id);
      return outcome.ok;
    },

    /** Brings a photo back from the Trash; false when the owner has no such photo there. */
    async restore(ownerId: string, id: string): Promise<boolean> {
      const restored = await deps.trash.restore(ownerId, id);
      deps.photos.forget(ownerId, id);
      return restored;
    },

    /** A page of the owner's Trash, most recently trashed first. */
    async list(ownerId: string, limit: number, offset: number): Promise<TrashedPhoto[]> {
      const rows = await deps.trash.listForOwner(ownerId, limit, offset);
      return rows.map((photo) => describe(photo));
    },

    count(ownerId: string): Promise<number> {
      return deps.trash.countForOwner(ownerId);
    },

    /** A trashed photo with its purge date. */
    describe,

    /** Deletes every photo of the owner's Trash for good; how many went. */
    async empty(ownerId: string): Promise<number> {
      const cutoff = now();
      let deleted = 0;
      for (;;) {
        const ids = await deps.trash.listIdsForOwner(ownerId, BATCH);
        let progress = 0;
        for (const id of ids) if (await deleteTrashed(ownerId, id, cutoff)) progress++;
        deleted += progress;
        if (ids.length < BATCH || progress === 0) return deleted;
      }
    },

    /**
     * The housekeeping chore: deletes photos trashed more than the retention period ago. Safe with
     * several processes: each row is deleted by one statement that re-checks it is still trashed.
     */
    async purgeExpired(): Promise<number> {
      const cutoff = now() - retentionMs;
      let deleted = 0;
      for (let round = 0; round < MAX_PURGE_BATCHES; round++) {
        const expired = await deps.trash.listTrashedBefore(cutoff, BATCH);
        let progress = 0;
        for (const photo of expired) if (await deleteTrashed(photo.owner_id, photo.id, cutoff)) progress++;
        deleted += progress;
        if (expired.length < BATCH || progress === 0) break;
      }
      return deleted;
    },
  };

  function describe(photo: PhotoRecord): TrashedPhoto {
    const trashedAt = photo.trashed_at ?? 0;
    return { photo, trashedAt, purgeAt: trashedAt + retentionMs };
  }
}

export type TrashService = ReturnType<typeof createTrashService>;

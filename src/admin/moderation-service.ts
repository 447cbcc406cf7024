import type { AuditLog } from '../audit/audit-log.js';
import type { MediaStorage } from '../media/storage/storage.js';
import type { MediaVariant } from '../photos/media-variants.js';
import type { PhotoRecord } from '../photos/photo-repository.js';
import type { OpenedMedia } from '../photos/photo-service.js';
import { deletePhotoFiles } from '../photos/pipeline/store-photo.js';
import type { AdminRepository, HeldPhotoRow } from './admin-repository.js';
import type { AdminActor } from './user-admin-service.js';

export const MAX_REASON_LENGTH = 500;

export interface ModerationDeps {
  readonly repository: AdminRepository;
  readonly audit: AuditLog;
  readonly storage: MediaStorage;
  /** Opens a variant of a photo (photos/photo-service's openMedia). */
  readonly openMedia: (photo: PhotoRecord, variant: MediaVariant) => Promise<OpenedMedia | null>;
  readonly findPhoto: (id: string) => Promise<PhotoRecord | undefined>;
  readonly now?: () => number;
}

/**
 * The review queue of photos the moderation model held: an admin releases one (it becomes ready
 * and appears in its owner's gallery) or removes it with a reason its owner then reads on the
 * photo's page (its files are deleted; the row stays, so the owner learns what happened).
 */
export function createModerationService(deps: ModerationDeps) {
  const now = deps.now ?? (() => Date.now());
  const record = (event: 'photo_released' | 'photo_removed', actor: AdminActor, photo: HeldPhotoRow, detail: string) =>
    deps.audit.record({ event, actor: actor.party, target: { id: photo.owner_id, name: photo.owner_name }, request: actor.request, detail });

  return {
    listHeld: (limit: number, offset: number) => deps.repository.listHeld(limit, offset),

    /** A held photo's image for the reviewer; null for any photo that is not held. */
    async openHeldMedia(id: string, variant: MediaVariant): Promise<{ photo: PhotoRecord; media: OpenedMedia } | null> {
      const photo = await deps.findPhoto(id);
      if (photo?.status !== 'held') return null;
      const media = await deps.openMedia(photo, variant);
      return media ? { photo, media } : null;
    },

    async release(id: string, actor: AdminActor): Promise<boolean> {
      const photo = await deps.repository.findHeld(id);
      if (!photo || !(await deps.repository.decideHeld(id, 'ready', '', now()))) return false;
      await record('photo_released', actor, photo, `photo ${id}`);
      return true;
    },

    async remove(id: string, reason: string, actor: AdminActor): Promise<boolean> {
      const photo = await deps.repository.findHeld(id);
      if (!photo || !(await deps.repository.decideHeld(id, 'removed', `Removed by a moderator: ${reason}`, now()))) return false;
      await deletePhotoFiles(deps.storage, id);
      await record('photo_removed', actor, photo, `photo ${id}: ${reason}`);
      return true;
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;

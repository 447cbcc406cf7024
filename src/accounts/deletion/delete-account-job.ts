import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.js';
import { PermanentJobError, type JobHandler, type JobSpec, type QueuedJob } from '../../jobs/job-queue.js';
import type { MediaStorage } from '../../media/storage/storage.js';
import { deletePhotoFiles } from '../../photos/pipeline/store-photo.js';
import type { StagingArea } from '../../photos/upload/staging.js';
import { exportStorageKey } from '../export/export-key.js';
import type { AccountDeletionRepository } from './account-deletion-repository.js';

export const DELETE_ACCOUNT_JOB = 'delete_account';
const PHOTO_BATCH = 100;

/** The one deletion job of an account: its id deduplicates it, however often it is queued. */
export function deleteAccountJob(userId: string): JobSpec {
  return { id: `delete-account-${userId}`, kind: DELETE_ACCOUNT_JOB, payload: JSON.stringify({ userId }), maxAttempts: 10 };
}

export interface DeleteAccountJobDeps {
  readonly repository: AccountDeletionRepository;
  readonly storage: MediaStorage;
  readonly staging: StagingArea;
  readonly audit: AuditLog;
  readonly log: FastifyBaseLogger;
  readonly now?: () => number;
}

function userIdOf(job: QueuedJob): string {
  const payload = JSON.parse(job.payload) as { userId?: unknown };
  if (typeof payload.userId !== 'string') throw new PermanentJobError('delete_account job without a user id');
  return payload.userId;
}

/**
 * Removes everything of an account marked deleted, in an order that a crash at any point and a
 * re-run finish cleanly: what could reach the account's data from outside first (share links),
 * then albums, then each photo's files before its row (a row is what tells a re-run which files
 * to remove), then exports, and last the user row itself, replaced by a tombstone.
 */
export function createDeleteAccountJob(deps: DeleteAccountJobDeps): JobHandler {
  const now = deps.now ?? Date.now;
  return {
    async run(job) {
      const userId = userIdOf(job);
      const user = await deps.repository.findUser(userId);
      // Gone, never marked, or already purged: nothing (more) to do.
      if (!user || user.deleted_at === 0 || user.purged_at > 0) return;
      const shares = await deps.repository.deleteShareLinks(userId);
      const albums = await deps.repository.deleteAlbums(userId);
      let photos = 0;
      for (;;) {
        const ids = await deps.repository.photoIds(userId, PHOTO_BATCH);
        if (ids.length === 0) break;
        for (const id of ids) {
          await deletePhotoFiles(deps.storage, id);
          await deps.staging.remove(id);
        }
        photos += await deps.repository.deletePhotos(userId, ids);
      }
      for (const id of await deps.repository.exportIds(userId)) await deps.storage.delete(exportStorageKey(id));
      await deps.repository.deleteExports(userId);
      await deps.repository.replaceWithTombstone(user, now());
      deps.log.info({ event: 'account_deleted', user_id: userId, photos, albums, shares }, 'account deleted');
      await deps.audit.record({ event: 'account_deleted', target: { id: user.id, name: user.username }, detail: `photos: ${photos}, albums: ${albums}, share links: ${shares}` });
    },
  };
}

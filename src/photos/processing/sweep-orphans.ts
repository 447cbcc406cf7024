import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { MediaStorage } from '../../media/storage/storage.js';
import { isGoneLocalWriter } from '../../runtime/process-identity.js';
import type { PhotoRepository } from '../photo-repository.js';
import type { StagingArea } from '../upload/staging.js';

const STAGED_PATTERN = /^([0-9a-f]{32})\.upload$/;
// Half-received uploads: `<writer tag>.<random>.part`; untagged names are judged by age alone.
const PART_SUFFIX = '.part';
const DEFAULT_GRACE_MS = 10 * 60_000;

export interface SweepOptions {
  readonly now?: number;
  /** Files younger than this are kept (another process may be writing them) unless their writer is known to be dead. */
  readonly graceMs?: number;
  /** Storage key prefixes that belong to something other than a photo (account exports): which of `ids` still exist. */
  readonly otherOwners?: (ids: readonly string[]) => Promise<Set<string>>;
}

/**
 * After a crash, removes what no photo row points at: staged uploads of photos that were never
 * inserted (or were deleted), staged uploads in the bucket that no unfinished photo waits for,
 * half-received `.part` files, storage's half-written temporary files
 * (all once older than a grace period), and media files of photos that no longer exist. Runs at
 * start and then as part of every housekeeping round.
 */
export async function sweepOrphans(photos: PhotoRepository, storage: MediaStorage, staging: StagingArea, log: FastifyBaseLogger, options: SweepOptions = {}): Promise<number> {
  const stagingDir = staging.dir;
  const now = options.now ?? Date.now();
  // A half-received upload whose writer process is gone (a crash on this machine) goes at once;
  // anything else only once older than the grace period: another live process, on this machine or
  // another sharing the directory, may be writing it right now.
  const cutoff = now - (options.graceMs ?? DEFAULT_GRACE_MS);
  let removed = 0;
  const staged = await readdir(stagingDir).catch(() => [] as string[]);
  const stagedIds = staged.map((name) => STAGED_PATTERN.exec(name)?.[1]).filter((id): id is string => id !== undefined);
  const liveStaged = await photos.existingIds(stagedIds);
  for (const name of staged) {
    const file = path.join(stagingDir, name);
    const id = STAGED_PATTERN.exec(name)?.[1];
    const part = name.endsWith(PART_SUFFIX);
    if (id ? liveStaged.has(id) : !part) continue;
    const { mtimeMs } = await stat(file).catch(() => ({ mtimeMs: now }));
    const writerGone = part && isGoneLocalWriter(name.split('.', 1)[0] ?? '', mtimeMs);
    if (writerGone || mtimeMs < cutoff) {
      await rm(file, { force: true });
      removed++;
    }
  }

  removed += await sweepSharedStaging(photos, staging, cutoff);
  removed += await storage.removeIncomplete(cutoff);

  const keysByPhoto = new Map<string, string[]>();
  for await (const key of storage.listKeys()) {
    const id = key.split('/', 1)[0] ?? '';
    keysByPhoto.set(id, [...(keysByPhoto.get(id) ?? []), key]);
  }
  const ids = [...keysByPhoto.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    const live = await photos.existingIds(batch);
    const others = options.otherOwners ? await options.otherOwners(batch) : new Set<string>();
    for (const id of batch) {
      if (live.has(id) || others.has(id)) continue;
      for (const key of keysByPhoto.get(id) ?? []) {
        await storage.delete(key);
        removed++;
      }
    }
  }
  if (removed > 0) log.info({ event: 'orphans_swept', removed }, 'removed orphaned upload files');
  return removed;
}

/**
 * Staged uploads in the bucket (S3 staging): many processes sweep at once, on many machines, so an
 * object goes only when it is older than the cutoff (an upload is claimed, then its row inserted,
 * well within it) and no unfinished photo (a job still to run) names it. Removing one twice is harmless.
 */
async function sweepSharedStaging(photos: PhotoRepository, staging: StagingArea, cutoff: number): Promise<number> {
  const old: string[] = [];
  for await (const object of staging.listShared()) if (object.modifiedAt < cutoff) old.push(object.photoId);
  let removed = 0;
  for (let i = 0; i < old.length; i += 500) {
    const batch = old.slice(i, i + 500);
    const waiting = await photos.unfinishedIds(batch);
    for (const id of batch) {
      if (waiting.has(id)) continue;
      await staging.remove(id);
      removed++;
    }
  }
  return removed;
}

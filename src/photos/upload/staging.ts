import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { S3StagedObjects, StagedObject } from '../../media/storage/s3-staged-objects.js';
import { PROCESS_TAG } from '../../runtime/process-identity.js';
import type { StagedUpload } from './receive-upload.js';

/** A staged upload as a local file for the job's steps; `release` drops a fetched copy (never the staged upload). */
export interface OpenedStagedUpload {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Where accepted uploads wait for their processing job. Local: `<dir>/<photo id>.upload` (DATA_DIR/uploads,
 * or STAGING_DIR shared by every machine). Bucket (S3_BUCKET): an object under `staging/` in the media
 * bucket, so a worker on any machine can process what any web instance received; `dir` then holds only
 * uploads being received and the copies jobs fetched.
 */
export interface StagingArea {
  /** Local folder for uploads being received (`<process tag>.<random>.part`) and fetched copies. */
  readonly dir: string;
  /** Hands a received upload over under its photo's id; afterwards the received file is gone. */
  claim(staged: StagedUpload, photoId: string): Promise<void>;
  /** The photo's staged bytes as a local file, or undefined when nothing is staged for it. */
  open(photoId: string): Promise<OpenedStagedUpload | undefined>;
  /** Removes the photo's staged upload; removing a missing one is not an error. */
  remove(photoId: string): Promise<void>;
  /** Staged uploads kept outside `dir` (the bucket's), for the orphan sweep; none for local staging. */
  listShared(): AsyncIterable<StagedObject>;
}

/** Where an accepted upload waits in a local staging folder: `<dir>/<photo id>.upload`. */
export function stagedPathFor(stagingDir: string, photoId: string): string {
  return path.join(stagingDir, `${photoId}.upload`);
}

/** Creates the folder, owner-only. */
export async function openStagingDir(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Staging on a local (or shared network) folder: a claim is a rename, the job reads the file in place. */
export function localStaging(dir: string): StagingArea {
  return {
    dir,
    async claim(staged, photoId) {
      await rename(staged.path, stagedPathFor(dir, photoId));
    },
    async open(photoId) {
      const file = stagedPathFor(dir, photoId);
      const info = await stat(file).catch(() => undefined);
      return info?.isFile() ? { path: file, release: async () => {} } : undefined;
    },
    async remove(photoId) {
      await rm(stagedPathFor(dir, photoId), { force: true });
    },
    async *listShared() {},
  };
}

/**
 * Staging in the media bucket. A claim uploads the received file and then removes it; a job downloads
 * the object into `dir` under this process's tag (`<tag>.<photo id>.<random>.part`), so the local sweep
 * removes the copy of a process that died holding it, and drops the copy when done.
 */
export function bucketStaging(dir: string, objects: S3StagedObjects): StagingArea {
  return {
    dir,
    async claim(staged, photoId) {
      try {
        await objects.putFile(photoId, staged.path);
      } finally {
        await rm(staged.path, { force: true });
      }
    },
    async open(photoId) {
      const copy = path.join(dir, `${PROCESS_TAG}.${photoId}.${randomBytes(8).toString('hex')}.part`);
      const release = () => rm(copy, { force: true });
      try {
        if (await objects.getToFile(photoId, copy)) return { path: copy, release };
      } catch (error) {
        await release();
        throw error;
      }
      await release();
      return undefined;
    },
    remove: (photoId) => objects.delete(photoId),
    listShared: () => objects.list(),
  };
}

/** Opens the staging area the configuration asks for. */
export async function openStagingArea(dir: string, objects: S3StagedObjects | undefined): Promise<StagingArea> {
  await openStagingDir(dir);
  return objects ? bucketStaging(dir, objects) : localStaging(dir);
}

import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { stagedPathFor } from '../processing/process-photo-job.js';
import type { StagedUpload } from './receive-upload.js';

/** The folder where uploads wait for their pipeline job: DATA_DIR/uploads, owner-only. */
export async function openStagingArea(dataDir: string): Promise<string> {
  const dir = path.join(dataDir, 'uploads');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** Moves a received upload to the name its job will look for; the path comes from our own random id. */
export async function claimStagedUpload(staged: StagedUpload, stagingDir: string, photoId: string): Promise<string> {
  const target = stagedPathFor(stagingDir, photoId);
  await rename(staged.path, target);
  return target;
}

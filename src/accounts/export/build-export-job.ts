import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { PermanentJobError, type JobHandler, type JobSpec, type QueuedJob } from '../../jobs/job-queue.js';
import type { MediaStorage } from '../../media/storage/storage.js';
import { EXPORT_ID_PATTERN, exportStorageKey } from './export-key.js';
import type { ExportRepository } from './export-repository.js';
import { writeExportJson, writeExportZip } from './export-zip.js';

export const BUILD_EXPORT_JOB = 'build_export';

export function buildExportJob(exportId: string): JobSpec {
  return { id: `export-${exportId}`, kind: BUILD_EXPORT_JOB, payload: JSON.stringify({ exportId }), maxAttempts: 3 };
}

/** Where exports are assembled before they go to storage: DATA_DIR/exports-work, owner-only. */
export async function openExportWorkArea(dataDir: string): Promise<string> {
  const dir = path.join(dataDir, 'exports-work');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export interface BuildExportJobDeps {
  readonly repository: ExportRepository;
  readonly storage: MediaStorage;
  readonly workDir: string;
  readonly retentionMs: number;
  readonly log: FastifyBaseLogger;
  readonly now?: () => number;
}

function exportIdOf(job: QueuedJob): string {
  const payload = JSON.parse(job.payload) as { exportId?: unknown };
  if (typeof payload.exportId !== 'string' || !EXPORT_ID_PATTERN.test(payload.exportId)) throw new PermanentJobError('build_export job without a valid export id');
  return payload.exportId;
}

/** The temporary files of one export: named by its random id only. */
function workFiles(workDir: string, exportId: string) {
  return { json: path.join(workDir, `${exportId}.json.part`), zip: path.join(workDir, `${exportId}.zip.part`) };
}

/**
 * Builds one export: photovault.json and the zip are streamed to temporary files, the zip is
 * streamed into media storage, then the row turns ready with its expiry. Re-running after a
 * crash starts over with the same names; the user's previous exports go once this one is ready.
 */
export function createBuildExportJob(deps: BuildExportJobDeps): JobHandler {
  const now = deps.now ?? Date.now;
  const removeWork = async (exportId: string) => {
    const files = workFiles(deps.workDir, exportId);
    await rm(files.json, { force: true });
    await rm(files.zip, { force: true });
  };
  return {
    async run(job) {
      const exportId = exportIdOf(job);
      const row = await deps.repository.findById(exportId);
      if (!row || !(await deps.repository.markBuilding(exportId))) return;
      const files = workFiles(deps.workDir, exportId);
      try {
        await writeExportJson(deps.repository, row.user_id, files.json, now());
        const photoCount = await writeExportZip(deps.repository, deps.storage, row.user_id, files.json, files.zip);
        const { size } = await stat(files.zip);
        const key = exportStorageKey(exportId);
        await deps.storage.putFile(key, files.zip);
        const at = now();
        if (!(await deps.repository.markReady(exportId, { bytes: size, photo_count: photoCount, ready_at: at, expires_at: at + deps.retentionMs }))) {
          // The export (or the whole account) was deleted while it was being built.
          await deps.storage.delete(key);
          return;
        }
        for (const old of await deps.repository.listOtherFinished(row.user_id, exportId)) {
          await deps.storage.delete(exportStorageKey(old));
          await deps.repository.delete(old);
        }
        deps.log.info({ event: 'export_ready', export_id: exportId, bytes: size, photos: photoCount }, 'export ready');
      } finally {
        await removeWork(exportId);
      }
    },
    async onGiveUp(job) {
      const exportId = exportIdOf(job);
      await deps.repository.markFailed(exportId);
      await removeWork(exportId);
    },
  };
}

/** Housekeeping: expired exports (file, then row) and work files a crash left for more than a day. */
export async function purgeExpiredExports(deps: Pick<BuildExportJobDeps, 'repository' | 'storage' | 'workDir' | 'retentionMs'>, now: number): Promise<number> {
  let removed = 0;
  for (const id of await deps.repository.listExpired(now, now - deps.retentionMs)) {
    await deps.storage.delete(exportStorageKey(id));
    await deps.repository.delete(id);
    removed++;
  }
  for (const name of await readdir(deps.workDir).catch(() => [] as string[])) {
    const file = path.join(deps.workDir, name);
    const stats = await stat(file).catch(() => undefined);
    if (stats && stats.mtimeMs < now - 24 * 60 * 60_000) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}

import type { FastifyBaseLogger } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { AppConfig } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { HousekeepingTask } from '../jobs/housekeeping.js';
import type { JobHandler, JobQueue } from '../jobs/job-queue.js';
import type { S3StagedObjects } from '../media/storage/s3-staged-objects.js';
import type { MediaStorage } from '../media/storage/storage.js';
import { openStagingArea } from '../photos/upload/staging.js';
import { createAccountDeletionRepository } from './deletion/account-deletion-repository.js';
import { createAccountDeletionService, type AccountDeletionDeps } from './deletion/account-deletion-service.js';
import { createDeleteAccountJob, DELETE_ACCOUNT_JOB } from './deletion/delete-account-job.js';
import { BUILD_EXPORT_JOB, createBuildExportJob, openExportWorkArea, purgeExpiredExports } from './export/build-export-job.js';
import { EXPORT_ID_PATTERN } from './export/export-key.js';
import { createExportRepository } from './export/export-repository.js';
import { createExportService } from './export/export-service.js';

export interface AccountDataJobsOptions {
  readonly config: AppConfig;
  readonly db: Db;
  readonly storage: MediaStorage;
  /** The bucket's staged uploads (S3_BUCKET), or undefined for local staging. */
  readonly stagedObjects: S3StagedObjects | undefined;
  readonly audit: AuditLog;
  readonly log: FastifyBaseLogger;
}

/**
 * Account deletion and data export (issue 16, item 6): their jobs, housekeeping chores and the
 * storage keys they own, made before the queue; their services, once the queue exists.
 */
export async function createAccountDataJobs(options: AccountDataJobsOptions) {
  const { config, db, storage, stagedObjects, audit, log } = options;
  const deletions = createAccountDeletionRepository(db);
  const exportRows = createExportRepository(db);
  const workDir = await openExportWorkArea(config.dataDir);
  const retentionMs = Math.round(config.exportRetentionHours * 60 * 60_000);
  const handlers: Record<string, JobHandler> = {
    [DELETE_ACCOUNT_JOB]: createDeleteAccountJob({ repository: deletions, storage, staging: await openStagingArea(config.stagingDir, stagedObjects), audit, log }),
    [BUILD_EXPORT_JOB]: createBuildExportJob({ repository: exportRows, storage, workDir, retentionMs, log }),
  };
  let services: ReturnType<typeof makeServices> | undefined;
  function makeServices(queue: JobQueue, deps: Omit<AccountDeletionDeps, 'repository' | 'queue'>) {
    return {
      deletion: createAccountDeletionService({ ...deps, repository: deletions, queue }),
      exports: createExportService({ repository: exportRows, storage, queue }),
    };
  }
  const chores: HousekeepingTask[] = [
    { name: 'expired exports', run: () => purgeExpiredExports({ repository: exportRows, storage, workDir, retentionMs }, Date.now()) },
    // A queue outside the database (BullMQ) may have lost a job queued after its commit.
    { name: 'account deletions and exports', run: async () => (services ? (await services.deletion.requeueUnfinished()) + (await services.exports.requeueUnfinished()) : 0) },
  ];
  return {
    handlers,
    chores,
    /** Export zips live in media storage under their export id. */
    otherOwners: (ids: readonly string[]) => exportRows.existingIds(ids.filter((id) => EXPORT_ID_PATTERN.test(id))),
    services(queue: JobQueue, deps: Omit<AccountDeletionDeps, 'repository' | 'queue'>) {
      services = makeServices(queue, deps);
      return services;
    },
  };
}

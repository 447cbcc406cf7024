import type { AppConfig } from './config.js';
import type { EnvReader } from './env-parsers.js';

/** Several processes share the work: jobs in Redis (REDIS_URL), or web instances that leave jobs to workers. */
export function isScaleOut(config: Pick<AppConfig, 'redis' | 'worker'>): boolean {
  return config.redis !== undefined || !config.worker.inProcess;
}

/**
 * Refuses a scale-out setup that cannot work. Without SECRET_KEY each machine would make its own key in
 * its own DATA_DIR, and a cookie, CSRF token or sealed 2FA secret made by one instance would be refused
 * (or unreadable) on the next.
 */
export function requireScaleOutSettings(read: EnvReader, config: Pick<AppConfig, 'redis' | 'worker' | 'secretKey'>): void {
  if (isScaleOut(config) && config.secretKey === undefined) {
    throw read.fail('SECRET_KEY', 'is required when REDIS_URL is set or WORKER_IN_PROCESS=false: every web instance and worker must use the same key (at least 32 characters)');
  }
}

/** A partial scale-out setup that works only under a condition the process cannot check: said at start-up. */
export interface ScaleOutWarning {
  readonly setting: string;
  readonly message: string;
}

export function scaleOutWarnings(config: Pick<AppConfig, 'redis' | 's3' | 'database' | 'dataDir' | 'stagingDir'>): ScaleOutWarning[] {
  if (config.redis === undefined) return [];
  const warnings: ScaleOutWarning[] = [];
  if (config.s3 === undefined) {
    warnings.push({
      setting: 'S3_BUCKET',
      message: `REDIS_URL is set (several instances) but S3_BUCKET is not: media stay in ${config.dataDir}/media and uploads wait in ${config.stagingDir}, so every web instance and worker must share these directories (one network file system), or set S3_BUCKET`,
    });
  }
  if (config.database.dialect === 'sqlite') {
    warnings.push({
      setting: 'DATABASE_URL',
      message: 'REDIS_URL is set (several instances) but the database is the SQLite file in DATA_DIR, which only processes of one machine can share: set DATABASE_URL=postgres://…',
    });
  }
  return warnings;
}

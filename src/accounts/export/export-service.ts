import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isUniqueViolation } from '../../db/unique-violation.js';
import type { JobQueue } from '../../jobs/job-queue.js';
import { MediaNotFoundError, type MediaStorage } from '../../media/storage/storage.js';
import { buildExportJob } from './build-export-job.js';
import { EXPORT_ID_PATTERN, exportStorageKey } from './export-key.js';
import type { ExportRecord, ExportRepository } from './export-repository.js';

export interface ExportServiceDeps {
  readonly repository: ExportRepository;
  readonly storage: MediaStorage;
  readonly queue: Pick<JobQueue, 'enqueueWith' | 'enqueue'>;
  readonly now?: () => number;
}

/** What the page and the API show of an export. */
export interface ExportView {
  readonly id: string;
  readonly status: ExportRecord['status'] | 'expired';
  readonly bytes: number;
  readonly photoCount: number;
  readonly createdAt: number;
  readonly readyAt: number | null;
  readonly expiresAt: number | null;
  /** Only for a ready export before its expiry. */
  readonly downloadable: boolean;
}

export type ExportRequestResult = { ok: true; export: ExportView } | { ok: false; reason: 'running'; export: ExportView | null };

export type OpenedExport = { ok: true; stream: Readable; size: number; createdAt: number } | { ok: false; reason: 'not_found' | 'expired' };

/** Data export (GDPR art. 20 style): one running export per user, downloadable by its owner until it expires. */
export function createExportService(deps: ExportServiceDeps) {
  const now = deps.now ?? (() => Date.now());

  function view(row: ExportRecord): ExportView {
    const expired = row.status === 'ready' && row.expires_at <= now();
    return {
      id: row.id,
      status: expired ? 'expired' : row.status,
      bytes: row.bytes,
      photoCount: row.photo_count,
      createdAt: row.created_at,
      readyAt: row.ready_at > 0 ? row.ready_at : null,
      expiresAt: row.expires_at > 0 ? row.expires_at : null,
      downloadable: row.status === 'ready' && !expired,
    };
  }

  async function latest(userId: string): Promise<ExportView | null> {
    const row = await deps.repository.findLatest(userId);
    return row ? view(row) : null;
  }

  return {
    latest,

    /** Queues a new export in the same transaction as its row; refused while one is queued or building. */
    async request(userId: string): Promise<ExportRequestResult> {
      const id = randomBytes(16).toString('hex');
      try {
        await deps.queue.enqueueWith((trx) => deps.repository.insertQueued(trx, { id, user_id: userId, created_at: now() }), buildExportJob(id));
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        return { ok: false, reason: 'running', export: await latest(userId) };
      }
      const row = await deps.repository.findById(id);
      if (!row) throw new Error('the export just queued is missing');
      return { ok: true, export: view(row) };
    },

    /** The zip of one of the user's exports; another user's id, a malformed one and a missing one are all not_found. */
    async open(userId: string, exportId: string): Promise<OpenedExport> {
      if (!EXPORT_ID_PATTERN.test(exportId)) return { ok: false, reason: 'not_found' };
      const row = await deps.repository.findOwned(userId, exportId);
      if (!row || row.status !== 'ready') return { ok: false, reason: 'not_found' };
      if (row.expires_at <= now()) return { ok: false, reason: 'expired' };
      try {
        const media = await deps.storage.get(exportStorageKey(row.id));
        return { ok: true, stream: media.stream, size: media.size, createdAt: row.created_at };
      } catch (error) {
        if (error instanceof MediaNotFoundError) return { ok: false, reason: 'expired' };
        throw error;
      }
    },

    /** Housekeeping: queues the build job of every unfinished export (a no-op for jobs that exist). */
    async requeueUnfinished(): Promise<number> {
      let queued = 0;
      for (const id of await deps.repository.listUnfinished()) if (await deps.queue.enqueue(buildExportJob(id))) queued++;
      return queued;
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;

/** The download's file name: our date, never user text. */
export function exportFileName(createdAt: number): string {
  return `photovault-export-${new Date(createdAt).toISOString().slice(0, 10)}.zip`;
}

import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors/catalog.js';
import type { QuotaRepository } from './quota-repository.js';

export const MEBIBYTE = 1024 * 1024;
/** The largest quota an admin can set, in MB (a petabyte: beyond any disk, within a safe integer of bytes). */
export const MAX_QUOTA_MB = 1_000_000_000;

/** A user's storage: what their photos take and their limit (null: none). */
export interface StorageUsage {
  readonly usedBytes: number;
  readonly quotaBytes: number | null;
}

/** Bytes as the pages show them: megabytes with one decimal ("12.5 MB"). */
export function formatMegabytes(bytes: number): string {
  const mb = Math.round((bytes / MEBIBYTE) * 10) / 10;
  return `${mb.toLocaleString('en-US')} MB`;
}

/**
 * Storage quotas: each user's photos (trashed ones included, until purged) may take at most their
 * quota, against the bytes received. Checked twice when an upload is accepted: first on its own (a
 * full account is refused before its file is claimed), then in the transaction that records the
 * photo, under the owner's row lock, so uploads that race each other cannot pass together.
 */
export function createQuotaService(quotas: QuotaRepository) {
  return {
    async usageOf(userId: string): Promise<StorageUsage> {
      const [quota, used] = await Promise.all([quotas.quotaOf(userId), quotas.usageOf(userId)]);
      return { usedBytes: used, quotaBytes: quota ?? null };
    },

    /**
     * Throws a 413 problem when `bytes` more would go past the user's quota. Given the transaction
     * that will record the photo, it takes the owner's row lock before reading the usage, so the
     * usage counts every upload committed before it and none can commit beside it unchecked. Users
     * without a quota (the default) take no lock: there is nothing to race for.
     */
    async checkRoom(userId: string, bytes: number, trx?: Kysely<Database>): Promise<void> {
      const quota = await quotas.quotaOf(userId, trx);
      if (quota === null || quota === undefined) return;
      if (trx) await quotas.lockOwner(userId, trx);
      const used = await quotas.usageOf(userId, trx);
      if (used + bytes <= quota) return;
      throw new AppError('payload_too_large', {
        detail: `Storage quota of ${formatMegabytes(quota)} reached: ${formatMegabytes(used)} used, and this photo does not fit, so it was not stored. Delete photos or empty the Trash to make room.`,
      });
    },

    setQuota: (userId: string, bytes: number | null) => quotas.setQuota(userId, bytes),
  };
}

export type QuotaService = ReturnType<typeof createQuotaService>;

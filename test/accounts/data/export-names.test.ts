import { describe, expect, it } from 'vitest';
import { EXPORT_ID_PATTERN, exportStorageKey } from '../../../src/accounts/export/export-key.js';
import { originalEntryName } from '../../../src/accounts/export/export-zip.js';
import { exportFileName } from '../../../src/accounts/export/export-service.js';
import { isValidStorageKey } from '../../../src/media/storage/storage-key.js';

const ID = '0123456789abcdef0123456789abcdef';

describe('export names are generated, never user text', () => {
  it('names an original by its date taken (else uploaded), id and our own extension', () => {
    expect(originalEntryName({ id: ID, format: 'jpeg', taken_at: Date.UTC(2024, 6, 14, 9, 30), created_at: Date.UTC(2025, 0, 1) })).toBe(`originals/2024-07-14-${ID}.jpg`);
    expect(originalEntryName({ id: ID, format: 'png', taken_at: null, created_at: Date.UTC(2025, 0, 1) })).toBe(`originals/2025-01-01-${ID}.png`);
    expect(originalEntryName({ id: ID, format: 'webp', taken_at: 8.64e15 + 1, created_at: Date.UTC(2025, 0, 2) })).toBe(`originals/2025-01-02-${ID}.webp`);
    expect(originalEntryName({ id: ID, format: '../../evil', taken_at: null, created_at: Date.UTC(2025, 0, 3) })).toBe(`originals/2025-01-03-${ID}.bin`);
  });

  it('stores a zip under a valid media key of its export id only, and refuses anything else', () => {
    expect(isValidStorageKey(exportStorageKey(ID))).toBe(true);
    for (const bad of ['../../etc', ID.toUpperCase(), `${ID}/x`, '', `${ID}0`]) {
      expect(EXPORT_ID_PATTERN.test(bad), bad).toBe(false);
      expect(() => exportStorageKey(bad), bad).toThrow();
    }
    expect(exportFileName(Date.UTC(2026, 11, 3, 23, 59))).toBe('photovault-export-2026-12-03.zip');
  });
});

/** Export ids: 128 random bits as 32 lower-case hex characters, like photo ids. */
export const EXPORT_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Where an export's zip is stored: `<export id>/photovault-export.zip` (a fixed name, never user text). */
export function exportStorageKey(exportId: string): string {
  if (!EXPORT_ID_PATTERN.test(exportId)) throw new Error('invalid export id');
  return `${exportId}/photovault-export.zip`;
}

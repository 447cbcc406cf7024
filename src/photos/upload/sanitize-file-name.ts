import path from 'node:path';

const NAME_MAX = 120;
// File systems cap a name at 255 bytes (ext4) or 255 UTF-16 units (NTFS, APFS): at most ~1 KB of UTF-8.
const RECEIVED_NAME_MAX_BYTES = 1024;

/** Why a received file name is one no real file can have (longer than any file system allows, or with a NUL), or null. */
export function fileNameProblem(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (Buffer.byteLength(raw) > RECEIVED_NAME_MAX_BYTES) return 'The file name is too long. Rename the file and try again.';
  if (raw.includes('\u0000')) return 'The file name contains a NUL character.';
  return null;
}

/**
 * The client's file name as display text only: no directories, no control or bidi-override
 * characters, bounded length. It is never used to build a path (storage uses random ids).
 */
export function sanitizeFileName(raw: string | undefined): string {
  if (!raw) return '';
  const base = path.posix.basename(raw.replaceAll('\\', '/'));
  const cleaned = base
    .normalize('NFC')
    .replace(/[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu, '')
    .trim();
  return [...cleaned].slice(0, NAME_MAX).join('');
}

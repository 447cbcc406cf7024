import path from 'node:path';

const NAME_MAX = 120;

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

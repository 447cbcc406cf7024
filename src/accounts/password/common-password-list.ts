import { readFileSync } from 'node:fs';

// Resolved from this module so it works from src/accounts/password/*.ts and from
// dist/accounts/password/*.js alike (both are three levels below the repository root).
const COMMON_PASSWORDS_URL = new URL('../../../assets/common-passwords.txt', import.meta.url);

let commonPasswords: ReadonlySet<string> | undefined;

// Read once on first use and cached: the list (~49k entries, see
// assets/common-passwords.NOTICE.md) is static for the life of the process.
export function loadCommonPasswords(): ReadonlySet<string> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed file of this package, never a request value
  commonPasswords ??= parseCommonPasswords(readFileSync(COMMON_PASSWORDS_URL, 'utf8'));
  return commonPasswords;
}

function parseCommonPasswords(contents: string): ReadonlySet<string> {
  const entries = contents
    .split(/\r?\n/)
    .map((line) => line.trim().toLowerCase())
    .filter((line) => line.length > 0);
  return new Set(entries);
}

// Regenerates assets/common-passwords.txt from the MIT-licensed
// @zxcvbn-ts/language-common password dictionary (see assets/common-passwords.NOTICE.md).
// Usage: node scripts/generate-common-passwords.mjs
import { writeFileSync } from 'node:fs';
import { dictionary } from '@zxcvbn-ts/language-common';

const MINIMUM_ENTRIES = 10_000;
const outputUrl = new URL('../assets/common-passwords.txt', import.meta.url);

// The package ships the list compressed (dist/passwords.json.*js, decoded by
// @zxcvbn-ts/dictionary-compression); its public `dictionary` export is the decoded list.
const source = dictionary['passwords-common'];

// Same normalisation as the run-time check (Django CommonPasswordValidator: lower().strip()),
// first occurrence wins so the file keeps the upstream frequency ranking.
const passwords = [...new Set(source.map((entry) => String(entry).toLowerCase().trim()))].filter(
  (entry) => entry.length > 0 && !/[\r\n]/.test(entry),
);

if (passwords.length < MINIMUM_ENTRIES) {
  throw new Error(`Only ${passwords.length} passwords found; expected at least ${MINIMUM_ENTRIES}.`);
}

writeFileSync(outputUrl, `${passwords.join('\n')}\n`, 'utf8');
console.log(`Wrote ${passwords.length} passwords to ${outputUrl.pathname}`);

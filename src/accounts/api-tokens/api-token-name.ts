export const API_TOKEN_NAME_MAX = 100;

// Control characters and bidirectional overrides could make one token's name look like another's
// (Unicode TR36 / "Trojan Source"), so names are plain text on one line.
const FORBIDDEN = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** NFKC-normalised and trimmed, as stored. */
export function normalizeApiTokenName(raw: string): string {
  return raw.normalize('NFKC').trim();
}

/** Why a (normalised) token name is not acceptable; empty when it is. */
export function apiTokenNameErrors(name: string): string[] {
  if (name.length === 0) return ['Enter a name for the token.'];
  if ([...name].length > API_TOKEN_NAME_MAX) return [`A token name must have at most ${API_TOKEN_NAME_MAX} characters.`];
  if (FORBIDDEN.test(name)) return ['A token name cannot contain control or text-direction characters.'];
  return [];
}

// "<owner-or-photo id>/<file name>": lowercase letters and digits, then a name that cannot start
// with a dot. With no separators, dots-only segments or absolute forms possible, a key can never
// address anything outside its storage root (CWE-22, path traversal impossible by construction).
const KEY_PATTERN = /^[a-z0-9]{16,64}\/[a-z0-9_-][a-z0-9_.-]{0,39}$/;

export class InvalidStorageKeyError extends Error {
  constructor() {
    // The key itself is not echoed: it may be attacker-controlled.
    super('Invalid media storage key');
    this.name = 'InvalidStorageKeyError';
  }
}

export function isValidStorageKey(key: string): boolean {
  return KEY_PATTERN.test(key) && !key.includes('..');
}

/** Throws InvalidStorageKeyError unless the key matches the strict key pattern. */
export function assertValidStorageKey(key: string): void {
  if (typeof key !== 'string' || !isValidStorageKey(key)) throw new InvalidStorageKeyError();
}

export function isValidKeyPrefix(segment: string): boolean {
  return /^[a-z0-9]{16,64}$/.test(segment);
}

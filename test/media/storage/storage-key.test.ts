import { describe, expect, it } from 'vitest';
import { assertValidStorageKey, InvalidStorageKeyError, isValidStorageKey } from '../../../src/media/storage/storage-key.js';

const PREFIX = '0123456789abcdef';

describe('storage keys', () => {
  it.each([`${PREFIX}/original.jpg`, `${PREFIX}/thumb_256.webp`, `${'a'.repeat(64)}/display-1440.jpeg`, `${PREFIX}/x`])('accepts %s', (key) => {
    expect(isValidStorageKey(key)).toBe(true);
    expect(() => assertValidStorageKey(key)).not.toThrow();
  });

  it.each([
    '',
    'original.jpg',
    `${PREFIX}/../../etc/passwd`,
    `${PREFIX}/..`,
    `${PREFIX}/.`,
    `${PREFIX}/.hidden`,
    `${PREFIX}/a..b`,
    `/${PREFIX}/original.jpg`,
    `${PREFIX}/sub/original.jpg`,
    `${PREFIX}\\original.jpg`,
    `${PREFIX}/Original.JPG`,
    `${PREFIX}/orig%2e%2e`,
    `${PREFIX}/orig\0.jpg`,
    `${PREFIX}/orig.jpg\n`,
    `${PREFIX.slice(1)}/original.jpg`,
    `${'a'.repeat(65)}/original.jpg`,
    `${PREFIX}/${'a'.repeat(41)}`,
    `../${PREFIX}/original.jpg`,
    `C:/${PREFIX}/original.jpg`,
    `${PREFIX}/ｏriginal.jpg`,
  ])('refuses %j', (key) => {
    expect(isValidStorageKey(key)).toBe(false);
    expect(() => assertValidStorageKey(key)).toThrow(InvalidStorageKeyError);
  });

  it('does not echo the key in the error', () => {
    expect(() => assertValidStorageKey('<script>/x')).toThrow('Invalid media storage key');
  });
});

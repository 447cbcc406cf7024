import { describe, it, expect } from 'vitest';
import { computeQuickRatio } from '../../../src/accounts/password/quick-ratio.js';

describe('computeQuickRatio (difflib SequenceMatcher.quick_ratio port)', () => {
  it('matches values from Python difflib', () => {
    // SequenceMatcher(a='abcd', b='bcde').quick_ratio() == 0.75
    expect(computeQuickRatio('abcd', 'bcde')).toBe(0.75);
    // Django's exceeds_maximum_length_ratio docstring: 'A' against 'A' * 10 -> 0.18181818181818182
    expect(computeQuickRatio('A', 'A'.repeat(10))).toBeCloseTo(0.18181818181818182, 15);
    expect(computeQuickRatio('A', 'A'.repeat(100))).toBeCloseTo(0.019801980198019802, 15);
  });

  it('is 1 for identical strings, including two empty strings', () => {
    expect(computeQuickRatio('testclient', 'testclient')).toBe(1);
    expect(computeQuickRatio('', '')).toBe(1);
  });

  it('is 0 when nothing is shared or one side is empty', () => {
    expect(computeQuickRatio('abc', 'xyz')).toBe(0);
    expect(computeQuickRatio('abc', '')).toBe(0);
  });

  it('counts each element of b at most as often as it occurs (multiset intersection)', () => {
    expect(computeQuickRatio('aaa', 'a')).toBe(0.5);
    expect(computeQuickRatio('a', 'aaa')).toBe(0.5);
  });

  it('ignores order', () => {
    expect(computeQuickRatio('tneilctset', 'testclient')).toBe(1);
  });

  it('compares code points, not UTF-16 units', () => {
    // U+1F600 and U+1F601 share their high surrogate; as code points they share nothing.
    expect(computeQuickRatio('😀', '😁')).toBe(0);
    expect(computeQuickRatio('😀😀', '😀')).toBeCloseTo(2 / 3, 15);
  });
});

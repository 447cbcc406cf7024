import { describe, it, expect } from 'vitest';
import { validateNotEntirelyNumeric } from '../../../src/accounts/password/numeric-validator.js';
import { normalizePassword } from '../../../src/accounts/password/policy.js';

const entirelyNumeric = 'This password is entirely numeric.';

describe('validateNotEntirelyNumeric (Django NumericPasswordValidator)', () => {
  it('rejects ASCII digits only', () => {
    expect(validateNotEntirelyNumeric('938465027163')).toBe(entirelyNumeric);
  });

  it('accepts digits with anything else', () => {
    expect(validateNotEntirelyNumeric('93846502716a')).toBeNull();
    expect(validateNotEntirelyNumeric('9384 65027163')).toBeNull();
    expect(validateNotEntirelyNumeric(' 938465027163')).toBeNull();
  });

  it('does not treat the empty password as numeric', () => {
    expect(validateNotEntirelyNumeric('')).toBeNull();
  });

  it('treats other Unicode decimal digits as numeric', () => {
    expect(validateNotEntirelyNumeric('٠١٢٣٤٥٦٧٨٩٠١')).toBe(entirelyNumeric); // Arabic-Indic
    expect(validateNotEntirelyNumeric('०१२३४५६७८९०१')).toBe(entirelyNumeric); // Devanagari
    expect(validateNotEntirelyNumeric('𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗𝟎𝟏𝟐')).toBe(entirelyNumeric); // mathematical bold, astral
  });

  it('catches full-width and superscript digits after NFKC normalisation', () => {
    const fullWidth = normalizePassword('１２３４５６７８９０１２');
    expect(fullWidth).toBe('123456789012');
    expect(validateNotEntirelyNumeric(fullWidth)).toBe(entirelyNumeric);
    expect(validateNotEntirelyNumeric(normalizePassword('¹²³⁴⁵⁶⁷⁸⁹⁰¹²'))).toBe(entirelyNumeric);
  });
});

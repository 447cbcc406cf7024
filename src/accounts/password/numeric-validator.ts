// Django's NumericPasswordValidator (password.isdigit()): digits alone are cheap to
// brute-force. Any Unicode decimal digit counts, not only ASCII 0-9.
const ENTIRELY_DECIMAL_DIGITS = /^\p{Nd}+$/u;

export function validateNotEntirelyNumeric(password: string): string | null {
  return ENTIRELY_DECIMAL_DIGITS.test(password) ? 'This password is entirely numeric.' : null;
}

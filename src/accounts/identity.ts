// Username and email rules. Usernames follow Django's UnicodeUsernameValidator (letters, digits
// and @ . + - _), NFKC-normalised so look-alike compatibility forms collide, compared case-insensitively.
const USERNAME_PATTERN = /^[\p{L}\p{N}_.@+-]+$/u;
// Local part and domain labels without spaces or the characters that need quoting; labels are
// checked one by one (no nested quantifier, so no catastrophic backtracking: CWE-1333).
const EMAIL_PART = /^[^\s@<>()[\]\\,;:"]+$/u;
const DOMAIN_LABEL = /^[^\s@<>()[\]\\,;:".]+$/u;
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 150;
export const EMAIL_MAX = 254; // RFC 5321 path limit

export function normalizeUsername(raw: string): string {
  return raw.normalize('NFKC').trim();
}

/** The unique look-up key of a username. */
export function usernameKey(username: string): string {
  return normalizeUsername(username).toLowerCase();
}

export function normalizeEmail(raw: string): string {
  const trimmed = raw.normalize('NFKC').trim();
  const at = trimmed.lastIndexOf('@');
  // The domain part is case-insensitive (RFC 5321 2.4); the local part is kept as typed.
  return at < 0 ? trimmed : trimmed.slice(0, at) + trimmed.slice(at).toLowerCase();
}

/** The look-up key of an email address: the whole address compared case-insensitively (Django's iexact). */
export function emailKey(email: string): string {
  return normalizeEmail(email).toLowerCase();
}

export function usernameErrors(username: string): string[] {
  const length = [...username].length;
  if (length === 0) return ['Enter a username.'];
  if (length < USERNAME_MIN || length > USERNAME_MAX) {
    return [`A username must have between ${USERNAME_MIN} and ${USERNAME_MAX} characters.`];
  }
  if (!USERNAME_PATTERN.test(username)) {
    return ['Enter a valid username. It may contain only letters, numbers, and @ . + - _ characters.'];
  }
  return [];
}

export function emailErrors(email: string): string[] {
  if (email.length === 0) return ['Enter an email address.'];
  if (email.length > EMAIL_MAX || !isEmailShaped(email)) return ['Enter a valid email address.'];
  return [];
}

function isEmailShaped(email: string): boolean {
  const at = email.lastIndexOf('@');
  if (at <= 0) return false;
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  return EMAIL_PART.test(local) && labels.length >= 2 && labels.every((label) => DOMAIN_LABEL.test(label));
}

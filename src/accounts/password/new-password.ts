import { normalizePassword, validatePassword, type PasswordUserAttributes } from './policy.js';

export type NewPasswordField = 'new_password1' | 'new_password2';
export type NewPasswordErrors = Partial<Record<NewPasswordField, string[]>>;

/**
 * The errors of a new password typed twice (Django's SetPasswordForm): the two must match and the
 * first must pass the whole password policy for this user. Empty object = acceptable.
 */
export async function newPasswordErrors(password1: string, password2: string, user: PasswordUserAttributes): Promise<NewPasswordErrors> {
  if (password1.length === 0) return { new_password1: ['Enter a new password.'] };
  const errors: NewPasswordErrors = {};
  if (password1 !== password2) errors.new_password2 = ['The two password fields didn’t match.'];
  const policy = await validatePassword(normalizePassword(password1), user);
  if (policy.length > 0) errors.new_password1 = policy;
  return errors;
}

export function hasErrors(errors: object): boolean {
  return Object.keys(errors).length > 0;
}

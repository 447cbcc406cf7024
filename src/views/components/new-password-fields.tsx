import { FieldErrors } from './field-errors.js';

export interface NewPasswordFieldsProps {
  readonly errors: Partial<Record<'new_password1' | 'new_password2', readonly string[]>>;
}

/** `new_password1` and its confirmation `new_password2`, with the policy's help text. */
export function NewPasswordFields({ errors }: NewPasswordFieldsProps) {
  const invalid = (field: keyof NewPasswordFieldsProps['errors']) => (errors[field]?.length ? true : undefined);
  return (
    <>
      <label for="id_new_password1">New password</label>
      <input id="id_new_password1" name="new_password1" type="password" autocomplete="new-password" required minlength={12} maxlength={1024} aria-invalid={invalid('new_password1')} aria-describedby="new_password1-help new_password1-errors" />
      <p class="help" id="new_password1-help">
        At least 12 characters. Not too similar to your username or email, not a common password, not only digits. A few unrelated words make a good password.
      </p>
      <FieldErrors id="new_password1-errors" errors={errors.new_password1} />

      <label for="id_new_password2">New password confirmation</label>
      <input id="id_new_password2" name="new_password2" type="password" autocomplete="new-password" required maxlength={1024} aria-invalid={invalid('new_password2')} aria-describedby="new_password2-errors" />
      <FieldErrors id="new_password2-errors" errors={errors.new_password2} />
    </>
  );
}

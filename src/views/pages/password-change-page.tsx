import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { NewPasswordFields } from '../components/new-password-fields.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface PasswordChangePageProps {
  readonly context: ViewContext;
  readonly errors: Partial<Record<'old_password' | 'new_password1' | 'new_password2' | 'form', readonly string[]>>;
}

export function PasswordChangePage({ context, errors }: PasswordChangePageProps) {
  return (
    <Layout title="Change your password" context={context}>
      <section class="card narrow">
        <h1>Change your password</h1>
        <p class="help">Every other session of your account will be signed out; this one stays signed in.</p>
        <FieldErrors id="form-errors" errors={errors.form} />
        <form method="post" action="/accounts/password/change/" novalidate>
          <CsrfField token={context.csrfToken} />
          <label for="id_old_password">Old password</label>
          <input id="id_old_password" name="old_password" type="password" autocomplete="current-password" required maxlength={1024} autofocus aria-invalid={errors.old_password?.length ? true : undefined} aria-describedby="old_password-errors" />
          <FieldErrors id="old_password-errors" errors={errors.old_password} />
          <NewPasswordFields errors={errors} />
          <button type="submit">Change my password</button>
        </form>
        <p>
          <a href="/accounts/">Back to your account</a>
        </p>
      </section>
    </Layout>
  );
}

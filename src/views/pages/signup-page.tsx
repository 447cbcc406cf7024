import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface SignupPageProps {
  readonly context: ViewContext;
  readonly values: { readonly username: string; readonly email: string };
  readonly errors: Partial<Record<'username' | 'email' | 'password1' | 'password2' | 'form', readonly string[]>>;
}

export function SignupPage({ context, values, errors }: SignupPageProps) {
  const invalid = (field: keyof SignupPageProps['errors']) => (errors[field]?.length ? true : undefined);
  return (
    <Layout title="Sign up" context={context}>
      <section class="card narrow">
        <h1>Create your account</h1>
        <FieldErrors id="form-errors" errors={errors.form} />
        <form method="post" action="/accounts/signup/" novalidate>
          <CsrfField token={context.csrfToken} />
          <label for="id_username">Username</label>
          <input id="id_username" name="username" type="text" value={values.username} autocomplete="username" required maxlength={150} aria-invalid={invalid('username')} aria-describedby="username-errors" />
          <FieldErrors id="username-errors" errors={errors.username} />

          <label for="id_email">Email address</label>
          <input id="id_email" name="email" type="email" value={values.email} autocomplete="email" required maxlength={254} aria-invalid={invalid('email')} aria-describedby="email-errors" />
          <FieldErrors id="email-errors" errors={errors.email} />

          <label for="id_password1">Password</label>
          <input id="id_password1" name="password1" type="password" autocomplete="new-password" required minlength={12} maxlength={1024} aria-invalid={invalid('password1')} aria-describedby="password1-help password1-errors" />
          <p class="help" id="password1-help">
            At least 12 characters. Not too similar to your username or email, not a common password, not only digits. A few unrelated words make a good password.
          </p>
          <FieldErrors id="password1-errors" errors={errors.password1} />

          <label for="id_password2">Password confirmation</label>
          <input id="id_password2" name="password2" type="password" autocomplete="new-password" required maxlength={1024} aria-invalid={invalid('password2')} aria-describedby="password2-errors" />
          <FieldErrors id="password2-errors" errors={errors.password2} />

          <button type="submit">Sign up</button>
        </form>
        <p>
          Already have an account? <a href="/accounts/login/">Log in</a>.
        </p>
      </section>
    </Layout>
  );
}

import { BackToAccount } from '../components/back-to-account.js';
import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface AccountDeletePageProps {
  readonly context: ViewContext;
  /** Two-factor login is on: the form asks for a code too. */
  readonly needsCode: boolean;
  readonly errors: Partial<Record<'password' | 'code' | 'form', readonly string[]>>;
}

/** `/accounts/delete/`: what deleting removes, confirmed with the password (and a code). */
export function AccountDeletePage({ context, needsCode, errors }: AccountDeletePageProps) {
  return (
    <Layout title="Delete your account" context={context}>
      <section class="card narrow">
        <h1>Delete your account</h1>
        <p>Deleting your account cannot be undone. As soon as you confirm:</p>
        <ul>
          <li>you are signed out everywhere, and every API token stops working;</li>
          <li>nobody can log in to this account again, and its username cannot be taken by anyone else;</li>
          <li>
            your photos and all their files, your albums, your share links (they stop opening at once), your exports, your two-factor settings and passkeys are removed
            in the background, usually within a minute.
          </li>
        </ul>
        <p>
          Want to keep your photos? <a href="/accounts/export/">Export your data</a> first.
        </p>
        <FieldErrors id="form-errors" errors={errors.form} />
        <form method="post" action="/accounts/delete/" novalidate>
          <CsrfField token={context.csrfToken} />
          <label for="id_password">Your password</label>
          <input id="id_password" name="password" type="password" autocomplete="current-password" required maxlength={1024} autofocus aria-invalid={errors.password?.length ? true : undefined} aria-describedby="password-errors" />
          <FieldErrors id="password-errors" errors={errors.password} />
          {needsCode ? (
            <>
              <label for="id_code">Code from your authenticator app, or a recovery code</label>
              <input id="id_code" name="code" type="text" autocomplete="one-time-code" required maxlength={20} aria-invalid={errors.code?.length ? true : undefined} aria-describedby="code-errors" />
              <FieldErrors id="code-errors" errors={errors.code} />
            </>
          ) : null}
          <button type="submit" class="danger">
            Delete my account
          </button>
        </form>
        <BackToAccount />
      </section>
    </Layout>
  );
}

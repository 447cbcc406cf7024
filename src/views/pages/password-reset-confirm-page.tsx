import { CsrfField } from '../components/csrf-field.js';
import { NewPasswordFields, type NewPasswordFieldsProps } from '../components/new-password-fields.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface PasswordResetConfirmPageProps {
  readonly context: ViewContext;
  /** The link's path (the form posts back to it); undefined when the link is invalid, used or expired. */
  readonly action: string | undefined;
  readonly username: string;
  readonly errors: NewPasswordFieldsProps['errors'];
}

// Django's password_reset_confirm text for a bad link.
export const INVALID_RESET_LINK = 'The password reset link was invalid, possibly because it has already been used or has expired. Please request a new password reset.';

export function PasswordResetConfirmPage({ context, action, username, errors }: PasswordResetConfirmPageProps) {
  return (
    <Layout title="Enter new password" context={context}>
      <section class="card narrow">
        {action === undefined ? (
          <>
            <h1>Password reset unsuccessful</h1>
            <p class="field-errors" role="alert">
              {INVALID_RESET_LINK}
            </p>
            <p>
              <a href="/accounts/password/reset/">Request a new password reset</a>
            </p>
          </>
        ) : (
          <>
            <h1>Enter new password</h1>
            <p>
              Choose a new password for <strong>{username}</strong>. Every session of this account will be signed out.
            </p>
            <form method="post" action={action} novalidate>
              <CsrfField token={context.csrfToken} />
              <input type="text" value={username} autocomplete="username" hidden readonly />
              <NewPasswordFields errors={errors} />
              <button type="submit">Change my password</button>
            </form>
          </>
        )}
      </section>
    </Layout>
  );
}

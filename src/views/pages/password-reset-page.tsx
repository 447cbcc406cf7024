import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface PasswordResetPageProps {
  readonly context: ViewContext;
  /** `form`: ask for the address; `sent`: the one answer for known and unknown addresses; `unavailable`: no SMTP configured. */
  readonly state: 'form' | 'sent' | 'unavailable';
  readonly email: string;
  readonly errors: readonly string[];
}

// Django's password_reset_done text: it must read the same whether or not the address is known.
export const RESET_SENT =
  'We’ve emailed you instructions for setting your password, if an account exists with the email you entered. You should receive them shortly. If you don’t receive an email, please make sure you’ve entered the address you registered with, and check your spam folder.';
export const RESET_UNAVAILABLE = 'Password reset by email is not available: this server has no mail server configured. Ask its operator to reset your password.';

export function PasswordResetPage({ context, state, email, errors }: PasswordResetPageProps) {
  return (
    <Layout title="Password reset" context={context}>
      <section class="card narrow">
        <h1>Forgotten your password?</h1>
        {state === 'unavailable' ? (
          <p class="notice" role="status">
            {RESET_UNAVAILABLE}
          </p>
        ) : state === 'sent' ? (
          <p class="notice" role="status">
            {RESET_SENT}
          </p>
        ) : (
          <>
            <p>Enter your email address below, and we’ll email instructions for setting a new one.</p>
            <form method="post" action="/accounts/password/reset/" novalidate>
              <CsrfField token={context.csrfToken} />
              <label for="id_email">Email address</label>
              <input id="id_email" name="email" type="email" value={email} autocomplete="email" required maxlength={254} autofocus aria-invalid={errors.length > 0 ? true : undefined} aria-describedby="email-errors" />
              <FieldErrors id="email-errors" errors={errors} />
              <button type="submit">Reset my password</button>
            </form>
          </>
        )}
        <p>
          <a href="/accounts/login/">Back to log in</a>
        </p>
      </section>
    </Layout>
  );
}

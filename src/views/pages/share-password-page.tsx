import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface SharePasswordPageProps {
  readonly context: ViewContext;
  /** `/s/<token>/`: where the form posts. */
  readonly action: string;
  /** What the link shares. */
  readonly what: 'photo' | 'album';
  readonly errors: readonly string[];
}

/** The password form in front of a protected share link. */
export function SharePasswordPage({ context, action, what, errors }: SharePasswordPageProps) {
  const invalid = errors.length > 0;
  return (
    <Layout title="Password required" context={context}>
      <section class="card">
        <h1>{`This shared ${what} is protected`}</h1>
        <p>Enter the password you were given with the link.</p>
        <form method="post" action={action}>
          <CsrfField token={context.csrfToken} />
          <label for="id_share_password">Password</label>
          <input
            id="id_share_password"
            name="password"
            type="password"
            required
            autocomplete="off"
            maxlength={1024}
            aria-invalid={invalid ? 'true' : undefined}
            aria-describedby={invalid ? 'share-password-errors' : undefined}
          />
          <FieldErrors id="share-password-errors" errors={errors} />
          <button type="submit">{`View the ${what}`}</button>
        </form>
      </section>
    </Layout>
  );
}

import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';
import { PasskeyButton } from './passkeys-page.js';

export interface LoginPageProps {
  readonly context: ViewContext;
  readonly username: string;
  readonly next: string;
  readonly errors: readonly string[];
  /** Whether this address can serve passkeys (the "Sign in with a passkey" button). */
  readonly passkeys?: boolean;
}

export function LoginPage({ context, username, next, errors, passkeys = false }: LoginPageProps) {
  return (
    <Layout title="Log in" context={context} scripts={passkeys ? ['/static/passkeys.js'] : []}>
      <section class="card narrow">
        <h1>Log in</h1>
        <FieldErrors id="login-errors" errors={errors} />
        <form method="post" action="/accounts/login/">
          <CsrfField token={context.csrfToken} />
          <input type="hidden" name="next" value={next} />
          <label for="id_username">Username</label>
          <input id="id_username" name="username" type="text" value={username} autocomplete="username" required maxlength={150} autofocus />
          <label for="id_password">Password</label>
          <input id="id_password" name="password" type="password" autocomplete="current-password" required maxlength={1024} />
          <button type="submit">Log in</button>
        </form>
        {passkeys ? (
          <PasskeyButton kind="passwordless" id="passkey-login" label="Sign in with a passkey" csrfToken={context.csrfToken} next={next} />
        ) : null}
        <p>
          <a href="/accounts/password/reset/">Forgotten your password?</a>
        </p>
        <p>
          No account yet? <a href="/accounts/signup/">Sign up</a>.
        </p>
      </section>
    </Layout>
  );
}

import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface LoginPageProps {
  readonly context: ViewContext;
  readonly username: string;
  readonly next: string;
  readonly errors: readonly string[];
}

export function LoginPage({ context, username, next, errors }: LoginPageProps) {
  return (
    <Layout title="Log in" context={context}>
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

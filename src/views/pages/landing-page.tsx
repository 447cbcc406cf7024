import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export function LandingPage({ context, name }: { context: ViewContext; name: string | null }) {
  return (
    <Layout title="Welcome" context={context}>
      <section class="hero">
        <h1>{name === null ? 'Welcome to photovault' : `Hello, ${name}!`}</h1>
        <p>A private place for your photos, secure by design.</p>
        {context.user ? (
          <p>
            <a class="button" href="/photos/">
              Open your gallery
            </a>
          </p>
        ) : (
          <p>
            <a class="button" href="/accounts/signup/">
              Create an account
            </a>{' '}
            or <a href="/accounts/login/">log in</a>.
          </p>
        )}
      </section>
    </Layout>
  );
}

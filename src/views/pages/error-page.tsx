import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface ErrorPageProps {
  readonly context: ViewContext;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
}

export function ErrorPage({ context, status, title, detail }: ErrorPageProps) {
  return (
    <Layout title={title} context={context}>
      <section class="error">
        <h1>{title}</h1>
        <p>{detail}</p>
        <p class="muted">
          Error {status}. Request id <code>{context.requestId}</code>.
        </p>
        <p>
          <a href="/">Back to the start page</a>
        </p>
      </section>
    </Layout>
  );
}

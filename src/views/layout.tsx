import type { ComponentChildren } from 'preact';
import { CsrfField } from './components/csrf-field.js';
import type { ViewContext } from './view-context.js';

export interface LayoutProps {
  readonly title: string;
  readonly context: ViewContext;
  readonly children: ComponentChildren;
  /** Module scripts from /static/ (no inline script anywhere: strict CSP). */
  readonly scripts?: readonly string[];
  /** Seconds after which the page reloads itself (status pages without JavaScript). */
  readonly refreshSeconds?: number;
}

export function Layout({ title, context, children, scripts = [], refreshSeconds }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${title} · photovault`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        {refreshSeconds ? <meta http-equiv="refresh" content={String(refreshSeconds)} /> : null}
        {scripts.map((src) => (
          <script type="module" src={src} />
        ))}
      </head>
      <body>
        <header class="site-header">
          <a class="brand" href="/">
            photovault
          </a>
          <nav aria-label="Main">
            {context.user ? (
              <>
                <a href="/photos/">Gallery</a>
                <a href="/albums/">Albums</a>
                <a href="/photos/trash/">Trash</a>
                <a href="/accounts/">{context.user.username}</a>
                <form method="post" action="/accounts/logout/" class="inline-form">
                  <CsrfField token={context.csrfToken} />
                  <button type="submit" class="link-button">
                    Log out
                  </button>
                </form>
              </>
            ) : (
              <>
                <a href="/accounts/login/">Log in</a>
                <a href="/accounts/signup/">Sign up</a>
              </>
            )}
          </nav>
        </header>
        <main>
          {context.notice ? (
            <p class="notice" role="status">
              {context.notice}
              {context.noticeLink ? (
                <>
                  {' '}
                  <a href={context.noticeLink.href}>{context.noticeLink.label}</a>
                </>
              ) : null}
            </p>
          ) : null}
          {children}
        </main>
        <footer class="site-footer">
          <small>Request id: {context.requestId}</small>
        </footer>
      </body>
    </html>
  );
}

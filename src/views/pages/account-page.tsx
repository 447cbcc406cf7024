import { ApiTokensSection, type ApiTokensSectionProps } from '../components/api-tokens-section.js';
import { CsrfField } from '../components/csrf-field.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface AccountSessionView {
  readonly current: boolean;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly userAgent: string;
}

export interface AccountPageProps {
  readonly context: ViewContext;
  readonly email: string;
  readonly sessions: readonly AccountSessionView[];
  readonly apiTokens: Omit<ApiTokensSectionProps, 'csrfToken'>;
}

const formatTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

export function AccountPage({ context, email, sessions, apiTokens }: AccountPageProps) {
  return (
    <Layout title="Your account" context={context}>
      <section class="card">
        <h1>Your account</h1>
        <dl>
          <dt>Username</dt>
          <dd>{context.user?.username}</dd>
          <dt>Email address</dt>
          <dd>{email}</dd>
          <dt>Two-factor login</dt>
          <dd>
            <a href="/accounts/2fa/">Set up or manage</a>
          </dd>
        </dl>
        <h2>Signed-in sessions</h2>
        <table class="sessions">
          <thead>
            <tr>
              <th>Browser</th>
              <th>Signed in</th>
              <th>Last active</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr>
                <td>
                  {s.userAgent || 'Unknown'}
                  {s.current ? <strong> (this session)</strong> : null}
                </td>
                <td data-label="Signed in">{formatTime(s.createdAt)}</td>
                <td data-label="Last active">{formatTime(s.lastSeenAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form method="post" action="/accounts/logout-everywhere/">
          <CsrfField token={context.csrfToken} />
          <button type="submit" class="danger">
            Log out everywhere
          </button>
        </form>
      </section>
      <ApiTokensSection csrfToken={context.csrfToken} {...apiTokens} />
    </Layout>
  );
}

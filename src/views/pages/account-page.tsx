import { formatMegabytes, type StorageUsage } from '../../quotas/quota-service.js';
import { ApiTokensSection, type ApiTokensSectionProps } from '../components/api-tokens-section.js';
import type { SessionSummary } from '../../accounts/sessions/session-summary.js';
import { SessionsSection } from '../components/sessions-section.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

export interface AccountPageProps {
  readonly context: ViewContext;
  readonly email: string;
  readonly sessions: readonly SessionSummary[];
  readonly apiTokens: Omit<ApiTokensSectionProps, 'csrfToken'>;
  readonly storage?: StorageUsage | undefined;
}

export function AccountPage({ context, email, sessions, apiTokens, storage }: AccountPageProps) {
  return (
    <Layout title="Your account" context={context}>
      <section class="card">
        <h1>Your account</h1>
        <dl>
          <dt>Username</dt>
          <dd>{context.user?.username}</dd>
          <dt>Email address</dt>
          <dd>{email}</dd>
          {storage ? (
            <>
              <dt>Storage</dt>
              <dd data-storage>
                {storage.quotaBytes === null ? `${formatMegabytes(storage.usedBytes)} used (no limit)` : `${formatMegabytes(storage.usedBytes)} of ${formatMegabytes(storage.quotaBytes)}`}
                {' '}
                <small>(photos in the Trash count until they are deleted)</small>
              </dd>
            </>
          ) : null}
          <dt>Two-factor login</dt>
          <dd>
            <a href="/accounts/2fa/">Set up or manage</a>
          </dd>
        </dl>
        <p>
          <a href="/accounts/password/change/">Change your password</a>
        </p>
      </section>
      <SessionsSection csrfToken={context.csrfToken} sessions={sessions} />
      <ApiTokensSection csrfToken={context.csrfToken} {...apiTokens} />
    </Layout>
  );
}

import { CsrfField } from './csrf-field.js';
import { FieldErrors } from './field-errors.js';
import { PostButton } from './post-button.js';
import { TableHead } from './table-head.js';
import { formatTime } from '../format-time.js';

export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
}

export interface ApiTokensSectionProps {
  readonly csrfToken: string;
  readonly tokens: readonly ApiTokenView[];
  /** A token just created: shown this once, never again. */
  readonly created?: { readonly name: string; readonly token: string } | undefined;
  readonly errors?: readonly string[] | undefined;
  readonly name?: string | undefined;
}

/** The account page's list of personal API tokens, with create and revoke forms. */
export function ApiTokensSection({ csrfToken, tokens, created, errors, name }: ApiTokensSectionProps) {
  return (
    <section class="card api-tokens" aria-labelledby="api-tokens-heading">
      <h2 id="api-tokens-heading">API tokens</h2>
      <p class="help">
        A token lets a script use the <a href="/api/docs">JSON API</a> as you, with <code>Authorization: Bearer &lt;token&gt;</code>. Revoke
        a token you no longer use.
      </p>
      {created ? (
        <div class="notice" role="status">
          <p>
            Your new token “{created.name}” is below. Copy it now: it will not be shown again.
          </p>
          <label for="id_new_api_token">New API token</label>
          <input id="id_new_api_token" type="text" value={created.token} size={50} readonly autocomplete="off" spellcheck={false} />
        </div>
      ) : null}
      {tokens.length === 0 ? (
        <p class="empty">You have no API tokens.</p>
      ) : (
        <table class="sessions">
          <TableHead columns={['Name', 'Token', 'Created', 'Last used', 'Action']} />
          <tbody>
            {tokens.map((t) => (
              <tr>
                <td data-label="Name">{t.name}</td>
                <td data-label="Token">
                  <code>{t.prefix}…</code>
                </td>
                <td data-label="Created">{formatTime(t.createdAt)}</td>
                <td data-label="Last used">{t.lastUsedAt === null ? 'Never' : formatTime(t.lastUsedAt)}</td>
                <td>
                  <PostButton action={`/accounts/api-tokens/${encodeURIComponent(t.id)}/revoke/`} csrfToken={csrfToken} label="Revoke" ariaLabel={`Revoke token ${t.name}`} danger />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form method="post" action="/accounts/api-tokens/">
        <CsrfField token={csrfToken} />
        <label for="id_api_token_name">Token name</label>
        <input
          id="id_api_token_name"
          name="name"
          type="text"
          value={name ?? ''}
          required
          maxlength={100}
          autocomplete="off"
          aria-invalid={errors && errors.length > 0 ? 'true' : undefined}
          aria-describedby={errors && errors.length > 0 ? 'api-token-errors' : undefined}
        />
        <FieldErrors id="api-token-errors" errors={errors} />
        <button type="submit">Create token</button>
      </form>
    </section>
  );
}

import type { ComponentChildren } from 'preact';
import type { PasskeyRecord } from '../../accounts/passkeys/passkey-repository.js';
import { MAX_PASSKEY_NAME } from '../../accounts/passkeys/passkey-service.js';
import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { formatTime } from '../format-time.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';

const SCRIPT = '/static/passkeys.js';

export interface PasskeysPageProps {
  readonly context: ViewContext;
  readonly passkeys: readonly Pick<PasskeyRecord, 'id' | 'name' | 'created_at' | 'last_used_at'>[];
  /** False when this server cannot name its relying party (PUBLIC_URL unset outside localhost). */
  readonly available: boolean;
  /** Whether TOTP is on, so removal may be confirmed with a code instead of the password. */
  readonly totp: boolean;
  /** Errors of one passkey's rename or remove form, by passkey id. */
  readonly errors?: { readonly id: string; readonly messages: readonly string[] } | undefined;
}

/**
 * Said where a passkey ceremony needs JavaScript (WebAuthn is a browser API; no form can do it).
 * A plain paragraph that public/passkeys.js hides, rather than <noscript>, which a browser with
 * scripting blocked by policy may still leave unrendered.
 */
export function PasskeysNeedJavaScript() {
  return (
    <p class="notice" data-passkey-nojs>
      Passkeys need JavaScript. Turn it on for this site to use one.
    </p>
  );
}

/**
 * A passkey ceremony's button, shown by public/passkeys.js (hidden without JavaScript, where the
 * note that passkeys need it speaks instead). The CSRF token rides in an unnamed input: no form posts it.
 */
export function PasskeyButton({ kind, id, label, csrfToken, next, children }: { kind: 'register' | 'passwordless' | 'second-factor'; id: string; label: string; csrfToken: string; next?: string; children?: ComponentChildren }) {
  return (
    <>
      <PasskeysNeedJavaScript />
      <div data-passkey-ceremony={kind} hidden>
        {children}
        <input type="hidden" class="passkey-csrf" value={csrfToken} />
        <button type="button" id={id} data-next={next}>
          {label}
        </button>
        <p role="status" id="passkey-status" />
      </div>
    </>
  );
}

/** `/accounts/passkeys/`: the user's passkeys, with add (JavaScript), rename and remove. */
export function PasskeysPage({ context, passkeys, available, totp, errors }: PasskeysPageProps) {
  return (
    <Layout title="Passkeys" context={context} scripts={available ? [SCRIPT] : []}>
      <section class="card">
        <h1>Passkeys</h1>
        <p>
          A passkey lets you log in with your device’s screen lock or a security key instead of a password, and counts as your second factor after a password. Once you have one,
          logging in with your password also asks for it (or for a code, if two-factor login is on).
        </p>
        {available ? (
          <>
            <PasskeyButton kind="register" id="passkey-add" label="Add a passkey" csrfToken={context.csrfToken}>
              <label for="id_passkey_name">Name for the new passkey</label>
              <input id="id_passkey_name" type="text" maxlength={MAX_PASSKEY_NAME} value="My passkey" autocomplete="off" />
            </PasskeyButton>
          </>
        ) : (
          <p class="notice" id="passkeys-unavailable">
            Passkeys are not available on this server: its operator needs to set PUBLIC_URL to the https:// address you reach it at.
          </p>
        )}
        {passkeys.length === 0 ? (
          <p id="passkeys-empty">You have no passkeys yet.</p>
        ) : (
          <table class="sessions passkeys" id="passkeys">
            <thead>
              <tr>
                <th>Name</th>
                <th>Added</th>
                <th>Last used</th>
                <th>Rename</th>
                <th>Remove</th>
              </tr>
            </thead>
            <tbody>
              {passkeys.map((p) => (
                <tr data-passkey={p.name}>
                  <td>{p.name}</td>
                  <td data-label="Added">{formatTime(p.created_at)}</td>
                  <td data-label="Last used">{p.last_used_at > 0 ? formatTime(p.last_used_at) : 'Never'}</td>
                  <td>
                    <form method="post" action={`/accounts/passkeys/${encodeURIComponent(p.id)}/rename/`} class="inline-form">
                      <CsrfField token={context.csrfToken} />
                      <input id={`rename-${p.id}`} aria-label={`New name for ${p.name}`} name="name" type="text" required maxlength={MAX_PASSKEY_NAME} value={p.name} />
                      <button type="submit">Rename</button>
                    </form>
                  </td>
                  <td>
                    <form method="post" action={`/accounts/passkeys/${encodeURIComponent(p.id)}/delete/`} class="inline-form">
                      <CsrfField token={context.csrfToken} />
                      <label for={`password-${p.id}`}>Your password{totp ? ', or a code below' : ''}</label>
                      <input id={`password-${p.id}`} name="password" type="password" autocomplete="current-password" maxlength={1024} />
                      {totp ? (
                        <>
                          <label for={`code-${p.id}`}>Code from your app</label>
                          <input id={`code-${p.id}`} name="code" type="text" autocomplete="one-time-code" maxlength={20} />
                        </>
                      ) : null}
                      <button type="submit" class="danger" aria-label={`Remove ${p.name}`}>
                        Remove
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {errors ? <FieldErrors id="passkey-errors" errors={errors.messages} /> : null}
        <p>
          <a href="/accounts/2fa/">Two-factor login</a> · <a href="/accounts/">Back to your account</a>
        </p>
      </section>
    </Layout>
  );
}

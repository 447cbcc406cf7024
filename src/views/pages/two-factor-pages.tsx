import { CsrfField } from '../components/csrf-field.js';
import { FieldErrors } from '../components/field-errors.js';
import { Layout } from '../layout.js';
import type { ViewContext } from '../view-context.js';
import { PasskeyButton } from './passkeys-page.js';

/** The `code` input of every two-factor form, with its errors. */
function CodeField({ label, errors, errorsId, autofocus }: { label: string; errors: readonly string[]; errorsId: string; autofocus?: boolean }) {
  const invalid = errors.length > 0;
  return (
    <>
      <label for="id_code">{label}</label>
      <input
        id="id_code"
        name="code"
        type="text"
        autocomplete="one-time-code"
        required
        maxlength={20}
        autofocus={autofocus}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={invalid ? errorsId : undefined}
      />
      <FieldErrors id={errorsId} errors={errors} />
    </>
  );
}

export interface TwoFactorSetupPageProps {
  readonly context: ViewContext;
  /** The base32 secret, for typing into an app by hand. */
  readonly secret: string;
  readonly qrDataUrl: string;
  readonly next: string;
  readonly errors: readonly string[];
}

/** `/accounts/2fa/` before two-factor login is on: the secret as text and as a QR code, confirmed with a code. */
export function TwoFactorSetupPage({ context, secret, qrDataUrl, next, errors }: TwoFactorSetupPageProps) {
  return (
    <Layout title="Two-factor login" context={context}>
      <section class="card narrow">
        <h1>Set up two-factor login</h1>
        <p>
          Or add a <a href="/accounts/passkeys/">passkey</a>: it counts as a second factor too.
        </p>
        <p>Scan this code with an authenticator app (Aegis, FreeOTP, Google Authenticator, 1Password…), or type the key into it.</p>
        <p>
          <img id="totp-qr" src={qrDataUrl} width={200} height={200} alt="QR code of your two-factor key" />
        </p>
        <label for="id_totp_secret">Key</label>
        <input id="id_totp_secret" type="text" value={secret} readonly size={40} autocomplete="off" spellcheck={false} />
        <form method="post" action="/accounts/2fa/">
          <CsrfField token={context.csrfToken} />
          <input type="hidden" name="next" value={next} />
          <CodeField label="The 6-digit code the app shows" errors={errors} errorsId="code-errors" />
          <button type="submit">Turn on two-factor login</button>
        </form>
      </section>
    </Layout>
  );
}

export interface RecoveryCodesPageProps {
  readonly context: ViewContext;
  readonly codes: readonly string[];
  readonly next: string;
}

/** Shown once, right after two-factor login is turned on. */
export function RecoveryCodesPage({ context, codes, next }: RecoveryCodesPageProps) {
  return (
    <Layout title="Recovery codes" context={context}>
      <section class="card narrow">
        <h1>Two-factor login is on</h1>
        <p class="notice" role="status">
          Keep these recovery codes somewhere safe. Each one works once, in place of a code from your app, if you lose it. They will not be shown again.
        </p>
        <ul class="recovery-codes" id="recovery-codes">
          {codes.map((code) => (
            <li>
              <code>{code}</code>
            </li>
          ))}
        </ul>
        <p>
          <a class="button" href={next}>
            Continue
          </a>
        </p>
      </section>
    </Layout>
  );
}

export interface TwoFactorStatusPageProps {
  readonly context: ViewContext;
  readonly unusedRecoveryCodes: number;
  readonly errors: readonly string[];
}

/** `/accounts/2fa/` while two-factor login is on: its state and the form that turns it off. */
export function TwoFactorStatusPage({ context, unusedRecoveryCodes, errors }: TwoFactorStatusPageProps) {
  return (
    <Layout title="Two-factor login" context={context}>
      <section class="card narrow">
        <h1>Two-factor login</h1>
        <p>
          <a href="/accounts/passkeys/">Passkeys</a> also count as a second factor.
        </p>
        <p id="two-factor-state">Two-factor login is on. You have {unusedRecoveryCodes} unused recovery codes.</p>
        <h2>Turn it off</h2>
        <form method="post" action="/accounts/2fa/disable/">
          <CsrfField token={context.csrfToken} />
          <label for="id_password">Your password</label>
          <input id="id_password" name="password" type="password" autocomplete="current-password" required maxlength={1024} />
          <CodeField label="A code from your app, or a recovery code" errors={errors} errorsId="disable-errors" />
          <button type="submit" class="danger">
            Turn off two-factor login
          </button>
        </form>
      </section>
    </Layout>
  );
}

export interface TwoFactorLoginPageProps {
  readonly context: ViewContext;
  readonly errors: readonly string[];
  /** The user has TOTP on (the code form is shown). */
  readonly totp?: boolean;
  /** The user has a passkey (the passkey button is shown). */
  readonly passkey?: boolean;
}

/** The second login step: a code from the app or a recovery code, or a passkey. */
export function TwoFactorLoginPage({ context, errors, totp = true, passkey = false }: TwoFactorLoginPageProps) {
  return (
    <Layout title="Two-factor login" context={context} scripts={passkey ? ['/static/passkeys.js'] : []}>
      <section class="card narrow">
        <h1>{totp ? 'Enter your code' : 'Use your passkey'}</h1>
        {passkey ? (
          <PasskeyButton kind="second-factor" id="passkey-second-factor" label="Use a passkey" csrfToken={context.csrfToken} />
        ) : null}
        {totp ? (
          <>
            <p>Open your authenticator app and enter the 6-digit code for photovault, or one of your recovery codes.</p>
            <form method="post" action="/accounts/login/2fa/">
              <CsrfField token={context.csrfToken} />
              <CodeField label="Code" errors={errors} errorsId="code-errors" autofocus />
              <button type="submit">Verify</button>
            </form>
          </>
        ) : (
          <FieldErrors id="code-errors" errors={errors} />
        )}
        <p>
          <a href="/accounts/login/">Start again</a>
        </p>
      </section>
    </Layout>
  );
}

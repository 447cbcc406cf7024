import { Secret, TOTP } from 'otpauth';
import { decodeEntities } from './assertions.js';
import type { TestClient } from './client.js';

/** The TOTP code an authenticator app would show for `secret` (base32) at `atMs`. */
export function totpCode(secret: string, atMs = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: atMs });
}

/** The key shown as text on the setup page. */
export function shownSecret(html: string): string {
  const secret = /id="id_totp_secret"[^>]*value="([A-Z2-7]+)"/.exec(html)?.[1] ?? /value="([A-Z2-7]+)"[^>]*id="id_totp_secret"/.exec(html)?.[1];
  if (!secret) throw new Error('no TOTP secret on the page');
  return secret;
}

/** The recovery codes listed once after setup. */
export function shownRecoveryCodes(html: string): string[] {
  return [...html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => decodeEntities(m[1] ?? ''));
}

/** Turns on two-factor login for the signed-in client, as a person would; returns the secret and the recovery codes. */
export async function enableTwoFactor(client: TestClient, atMs = Date.now()): Promise<{ secret: string; recoveryCodes: string[] }> {
  const page = await client.get('/accounts/2fa/');
  if (page.statusCode !== 200) throw new Error(`2FA page: ${page.statusCode}`);
  const secret = shownSecret(page.body);
  const confirmed = await client.submit('/accounts/2fa/', { code: totpCode(secret, atMs) });
  if (confirmed.statusCode !== 200) throw new Error(`2FA confirm: ${confirmed.statusCode} ${confirmed.body.slice(0, 300)}`);
  return { secret, recoveryCodes: shownRecoveryCodes(confirmed.body) };
}

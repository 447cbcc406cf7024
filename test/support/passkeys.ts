import type { LightMyRequestResponse } from 'fastify';
import { extractCsrf, type TestClient } from './client.js';
import { SoftwareAuthenticator, type CeremonyOverrides } from './software-authenticator.js';

/** inject()'s requests come to Host localhost:80: the RP a test app (NODE_ENV=test, no PUBLIC_URL) serves. */
export const TEST_ORIGIN = 'http://localhost';

/** A CSRF token for this client's current session, read from a page with a form. */
export async function csrfToken(client: TestClient, page = '/accounts/'): Promise<string> {
  const token = extractCsrf((await client.get(page)).body);
  if (!token) throw new Error(`no CSRF token on ${page}`);
  return token;
}

/** POSTs JSON the way public/passkeys.js does: CSRF header, problem documents for errors. */
export function postJson(client: TestClient, url: string, body: unknown, token: string | null): Promise<LightMyRequestResponse> {
  return client.request({
    method: 'POST',
    url,
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token === null ? {} : { 'x-csrf-token': token }) },
  });
}

/** Registers a new software passkey for the signed-in client; returns the authenticator and the verify answer. */
export async function registerPasskey(client: TestClient, name = 'Laptop', overrides: CeremonyOverrides = {}, authenticator = new SoftwareAuthenticator(TEST_ORIGIN)) {
  const token = await csrfToken(client);
  const options = await postJson(client, '/accounts/passkeys/register/options/', {}, token);
  if (options.statusCode !== 200) throw new Error(`registration options: ${options.statusCode} ${options.body}`);
  const response = authenticator.create(options.json(), overrides);
  const verified = await postJson(client, '/accounts/passkeys/register/verify/', { name, response }, token);
  return { authenticator, verified, response, token };
}

/** A passwordless login ceremony from the login page; returns the verify answer and the assertion sent. */
export async function passkeyLogin(client: TestClient, authenticator: SoftwareAuthenticator, overrides: CeremonyOverrides = {}) {
  const token = await csrfToken(client, '/accounts/login/');
  const options = await postJson(client, '/accounts/login/passkey/options/', {}, token);
  if (options.statusCode !== 200) throw new Error(`login options: ${options.statusCode} ${options.body}`);
  const response = authenticator.get(options.json(), overrides);
  return { verified: await postJson(client, '/accounts/login/passkey/verify/', { response }, token), response, token, options: options.json() };
}

/** The second login step with a passkey, for a client that has just passed the password step. */
export async function passkeySecondFactor(client: TestClient, authenticator: SoftwareAuthenticator, overrides: CeremonyOverrides = {}) {
  const token = await csrfToken(client, '/accounts/login/');
  const options = await postJson(client, '/accounts/login/2fa/passkey/options/', {}, token);
  if (options.statusCode !== 200) throw new Error(`second-factor options: ${options.statusCode} ${options.body}`);
  const response = authenticator.get(options.json(), overrides);
  return { verified: await postJson(client, '/accounts/login/2fa/passkey/verify/', { response }, token), response, options: options.json() };
}

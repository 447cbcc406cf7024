// Driving photovault over HTTP the way a browser does (forms, CSRF tokens, multipart upload),
// for the fuzz and DAST stages' set-up.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { csrfTokenIn } from './html.js';
import { HttpSession, sameOrigin, type HttpResponse } from './http.js';
import { multipartBody as buildMultipart, type Part } from '../../lib/multipart.js';

export interface Account {
  readonly username: string;
  readonly password: string;
}

export function newAccount(prefix: string): Account {
  // Long random passwords pass every password validator.
  return { username: `${prefix}${randomBytes(4).toString('hex')}`, password: `scan-${randomBytes(12).toString('base64url')}-Pw` };
}

export async function csrfFrom(session: HttpSession, page: string): Promise<string> {
  const response = await session.get(page);
  const token = csrfTokenIn(response.body);
  if (!token) throw new Error(`no CSRF token on ${page} (HTTP ${response.status})`);
  return token;
}

async function submit(session: HttpSession, page: string, fields: Record<string, string>, action = page): Promise<HttpResponse> {
  const token = await csrfFrom(session, page);
  return session.postForm(action, { _csrf: token, ...fields });
}

export async function signUp(session: HttpSession, account: Account): Promise<void> {
  const response = await submit(session, '/accounts/signup/', {
    username: account.username,
    email: `${account.username}@example.com`,
    password1: account.password,
    password2: account.password,
  });
  if (response.status !== 303) throw new Error(`sign-up of ${account.username} failed: HTTP ${response.status} ${response.body.slice(0, 300)}`);
}

export async function logIn(session: HttpSession, account: Account, next = ''): Promise<HttpResponse> {
  return submit(session, '/accounts/login/', { username: account.username, password: account.password, next });
}

/** A new account, signed up and logged in on `session`. */
export async function signUpAndLogIn(session: HttpSession, prefix: string): Promise<Account> {
  const account = newAccount(prefix);
  await signUp(session, account);
  const login = await logIn(session, account);
  if (login.status !== 303) throw new Error(`login of ${account.username} failed: HTTP ${login.status}`);
  return account;
}

export function smallJpeg(colour = '#369'): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: colour } }).jpeg().toBuffer();
}

export type { Part } from '../../lib/multipart.js';

/** multipart/form-data for the DAST requests (the shared builder, with `body` as this client calls it). */
export function multipartBody(parts: readonly Part[]): { body: Buffer; contentType: string } {
  const { payload, contentType } = buildMultipart(parts);
  return { body: payload, contentType };
}

export function postMultipart(session: HttpSession, action: string, parts: readonly Part[], headers: Record<string, string> = {}): Promise<HttpResponse> {
  const { body, contentType } = multipartBody(parts);
  return session.request({ method: 'POST', path: action, body, headers: { 'content-type': contentType, ...sameOrigin(session.browserOrigin), ...headers } });
}

/** Uploads through the form (CSRF field first, then `image`) and returns the new photo's id. */
export async function uploadPhoto(session: HttpSession, image: Buffer, title = ''): Promise<string> {
  const token = await csrfFrom(session, '/photos/upload/');
  const response = await postMultipart(session, '/photos/upload/', [
    { name: '_csrf', value: token },
    { name: 'title', value: title },
    { name: 'image', value: image, filename: 'scan.jpg', contentType: 'image/jpeg' },
  ]);
  const id = /^\/photos\/([0-9a-f]{32})\/$/.exec(response.headers.location ?? '')?.[1];
  if (response.status !== 303 || !id) throw new Error(`upload failed: HTTP ${response.status} ${response.body.slice(0, 300)}`);
  return id;
}

/** Waits until the photo's processing is final (draining the in-process worker when there is one). */
export async function waitProcessed(session: HttpSession, id: string, drain?: () => Promise<void>): Promise<string> {
  for (let attempt = 0; attempt < 120; attempt++) {
    if (drain) await drain();
    const response = await session.get(`/photos/${id}/status/`, { accept: 'application/json' });
    const status = JSON.parse(response.body) as { status?: string; final?: boolean };
    if (status.final) return status.status ?? 'unknown';
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`photo ${id} still processing after 30 s`);
}

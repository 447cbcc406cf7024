import { csrfTokenIn, type FormField, type HtmlForm } from '../lib/html.js';
import type { HttpRequest, HttpResponse, HttpSession } from '../lib/http.js';
import { multipartBody, type Part } from '../lib/photovault.js';

export const CSRF_FIELDS = /^(_csrf|csrf[_-]?token|csrfmiddlewaretoken|authenticity_token|__RequestVerificationToken)$/i;

export interface SubmitOptions {
  /** Field values to use instead of the defaults. */
  readonly values?: Readonly<Record<string, string>>;
  /** undefined: a fresh token from the form's page in this session; null: no token field; a string: that token. */
  readonly token?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Username and password for login-like forms. */
  readonly credentials?: { readonly username: string; readonly password: string };
  readonly file?: Buffer;
}

function defaultValue(field: FormField, options: SubmitOptions): string {
  const name = field.name.toLowerCase();
  if (options.credentials) {
    if (/^(username|login|user|email)$/.test(name)) return options.credentials.username;
    if (/^password$/.test(name)) return options.credentials.password;
  }
  if (field.value) return field.value;
  if (field.type === 'email' || name.includes('email')) return 'scanner@example.com';
  if (field.type === 'password' || name.includes('password')) return 'Scanner-Pass-2024-xyz';
  if (field.type === 'number') return '1';
  return 'scan';
}

/** Builds and sends the form the way a browser would (CSRF field first), with chosen overrides. */
export async function submitForm(session: HttpSession, form: HtmlForm, options: SubmitOptions = {}): Promise<{ request: HttpRequest; response: HttpResponse }> {
  let csrfValue = options.token;
  if (csrfValue === undefined) {
    const page = await session.get(form.page);
    csrfValue = csrfTokenIn(page.body);
  }
  const parts: Part[] = [];
  const csrfField = form.fields.find((f) => CSRF_FIELDS.test(f.name));
  if (csrfField && csrfValue !== null) parts.push({ name: csrfField.name, value: csrfValue });
  for (const field of form.fields) {
    if (CSRF_FIELDS.test(field.name)) continue;
    const value = options.values?.[field.name] ?? defaultValue(field, options);
    if (field.type === 'file') parts.push({ name: field.name, value: options.file ?? Buffer.from('scan'), filename: 'scan.jpg', contentType: 'image/jpeg' });
    else parts.push({ name: field.name, value });
  }
  let request: HttpRequest;
  // An empty value removes a header (e.g. no Origin, to test the Referer fallback).
  const headers = Object.fromEntries(Object.entries({ origin: session.browserOrigin, ...options.headers }).filter(([, v]) => v !== ''));
  if (form.enctype.startsWith('multipart/')) {
    const { body, contentType } = multipartBody(parts);
    request = { method: form.method, path: form.action, body, headers: { 'content-type': contentType, ...headers } };
  } else if (form.method === 'GET') {
    const query = new URLSearchParams(parts.map((p) => [p.name, String(p.value)])).toString();
    request = { method: 'GET', path: `${form.action.split('?')[0] ?? form.action}?${query}`, headers };
  } else {
    const body = new URLSearchParams(parts.map((p) => [p.name, String(p.value)])).toString();
    request = { method: form.method, path: form.action, body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } };
  }
  const response = await session.request(request);
  return { request: { ...request, headers: { ...request.headers, ...(session.cookies.size ? { cookie: '(session cookies)' } : {}) } }, response };
}

/** Fields a user types into (not the CSRF token, not files, not submit buttons). */
export function inputFields(form: HtmlForm): FormField[] {
  return form.fields.filter((f) => !CSRF_FIELDS.test(f.name) && f.type !== 'file');
}

export function isLoginForm(form: HtmlForm): boolean {
  return form.fields.some((f) => f.type === 'password') && form.fields.some((f) => /^(username|login|user|email)$/i.test(f.name)) && !form.fields.some((f) => /password2|confirm/i.test(f.name));
}

// Injection payloads (XSS, SSTI, SQL) in every query parameter and form field found, then a
// second look at the owner's pages for payloads that were stored and come back unescaped.
import { randomBytes, randomInt } from 'node:crypto';
import { isHtml } from '../lib/html.js';
import { HttpSession, type HttpRequest, type HttpResponse } from '../lib/http.js';
import { crawl, ensureSignedIn, type ScanContext } from './context.js';
import { inputFields, isLoginForm, submitForm } from './forms.js';
import type { Category } from './results.js';

interface Payload {
  readonly category: Extract<Category, 'xss' | 'ssti' | 'sqli'>;
  readonly value: string;
  /** Evidence in a response that the payload worked, or null. */
  evidence(response: HttpResponse): string | null;
}

// Driver error texts (case matters: SQLITE_ERROR is a code, "sqlite_version" is our own payload).
const SQL_ERROR = /\bSqliteError\b|\bSQLITE_[A-Z]{3,}\b|syntax error at or near|unterminated quoted string|no such column:|unrecognized token:|near "[^"]*": syntax error|\bPostgresError\b|\bER_PARSE_ERROR\b|\bORA-\d{5}\b/;

/** The body without the payload's own echoes (raw, HTML-escaped, URL-encoded), so a reflection is not evidence. */
function withoutEchoes(body: string, payload: string): string {
  const escaped = payload.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
  let out = body;
  for (const echo of [payload, escaped, escaped.replace(/&#x27;/g, '&#39;'), encodeURIComponent(payload), new URLSearchParams({ x: payload }).toString().slice(2)]) out = out.split(echo).join(' ');
  return out;
}

function payloads(): { list: Payload[]; markers: string[]; products: string[] } {
  const marker = `pv${randomBytes(4).toString('hex')}`;
  const a = randomInt(1000, 9999);
  const b = randomInt(1000, 9999);
  const product = String(a * b);
  const xss = (value: string): Payload => ({
    category: 'xss',
    value,
    // The tag arriving with a raw "<" in an HTML page: the browser would run it.
    evidence: (r) => (isHtml(r.headers) && r.body.includes(`<svg onload=${marker}`) ? `payload reflected unescaped: <svg onload=${marker}…` : null),
  });
  const ssti = (value: string): Payload => ({ category: 'ssti', value, evidence: (r) => (withoutEchoes(r.body, value).includes(product) ? `template expression evaluated: ${a}*${b} rendered as ${product}` : null) });
  const sqli = (value: string): Payload => ({
    category: 'sqli',
    value,
    evidence: (r) => {
      const match = SQL_ERROR.exec(withoutEchoes(r.body, value));
      return match ? `database error in response: ${match[0]}` : null;
    },
  });
  return {
    markers: [`<svg onload=${marker}`],
    products: [product],
    list: [
      xss(`"><svg onload=${marker}>`),
      xss(`'><svg onload=${marker}>`),
      xss(`</textarea></title><svg onload=${marker}>`),
      ssti(`{{${a}*${b}}}`),
      ssti(`\${${a}*${b}}`),
      ssti(`<%= ${a}*${b} %>`),
      ssti(`#{${a}*${b}}`),
      sqli(`'`),
      sqli(`' OR '1'='1' -- `),
      sqli(`1" OR "1"="1`),
      sqli(`1; SELECT sqlite_version(); --`),
      sqli(`1 UNION SELECT NULL,NULL--`),
    ],
  };
}

function record(context: ScanContext, payload: Payload, target: string, request: HttpRequest, response: HttpResponse): void {
  const evidence = response.status >= 500 ? `HTTP ${response.status} on a ${payload.category} payload` : payload.evidence(response);
  context.results.check(payload.category, target, evidence === null, evidence ?? '', request, response.status);
}

/** Query parameters of crawled URLs plus `knownParameters` (e.g. `/` takes `name`). */
function queryPoints(context: ScanContext, knownParameters: Readonly<Record<string, readonly string[]>>): Array<{ path: string; param: string; as: 'anonymous' | 'owner' }> {
  const points = new Map<string, { path: string; param: string; as: 'anonymous' | 'owner' }>();
  for (const page of context.pages) {
    const url = new URL(page.path, context.options.origin);
    for (const param of new Set([...url.searchParams.keys(), ...(knownParameters[url.pathname] ?? [])])) {
      points.set(`${page.as}|${url.pathname}|${param}`, { path: page.path, param, as: page.as });
    }
  }
  return [...points.values()];
}

export async function checkInjection(context: ScanContext, knownParameters: Readonly<Record<string, readonly string[]>> = {}): Promise<{ markers: string[]; products: string[] }> {
  const { list, markers, products } = payloads();
  const users = context.options.users;
  const sessionFor = (as: 'anonymous' | 'owner') => (as === 'owner' && users ? users.owner.session : context.anonymous);

  for (const point of queryPoints(context, knownParameters)) {
    for (const payload of list) {
      const url = new URL(point.path, context.options.origin);
      url.searchParams.set(point.param, payload.value);
      const request: HttpRequest = { method: 'GET', path: url.pathname + url.search };
      const response = await sessionFor(point.as).request(request);
      record(context, payload, `GET ${url.pathname} ?${point.param} (${point.as})`, request, response);
    }
  }

  for (const { form, as } of context.forms) {
    if (form.method !== 'POST' && form.method !== 'GET') continue;
    const login = isLoginForm(form);
    for (const field of inputFields(form)) {
      for (const payload of list) {
        // A fresh anonymous session for sign-up/login forms, so one attempt cannot affect the next.
        const session = as === 'owner' && users ? users.owner.session : new HttpSession(context.options.origin, {}, false);
        const values: Record<string, string> = { [field.name]: payload.value };
        if (login && !/pass/i.test(field.name)) values['password'] = 'wrong-password-for-injection';
        const { request, response } = await submitForm(session, form, { values, ...(context.options.sampleFile ? { file: context.options.sampleFile } : {}) });
        const target = `${form.method} ${form.action} field ${field.name} (${as})`;
        record(context, payload, target, request, response);
        if (login && payload.category === 'sqli' && !/pass/i.test(field.name)) {
          // Authentication bypass: a wrong password must never sign anyone in.
          const signedIn = response.status >= 300 && response.status < 400 && !/login|signin/i.test(response.headers.location ?? '') && response.setCookies.length > 0;
          context.results.check('sqli', `${target} login bypass`, !signedIn, `signed in with an injected username and a wrong password (redirect to ${response.headers.location ?? '?'})`, request, response.status);
        }
        if (as === 'owner' && users) await ensureSignedIn(users.owner, context);
      }
    }
  }
  return { markers, products };
}

/** Payloads saved by the form submissions (titles, names...) must come back escaped. */
export async function checkStored(context: ScanContext, evidence: { markers: string[]; products: string[] }, seeds: readonly string[]): Promise<void> {
  const users = context.options.users;
  if (!users) return;
  const revisit: ScanContext = { ...context, pages: [], forms: [] };
  await crawl(users.owner.session, seeds, 'owner', revisit);
  for (const page of revisit.pages) {
    const { request, response } = page.exchange;
    if (!isHtml(response.headers)) continue;
    const xss = evidence.markers.find((m) => response.body.includes(m));
    context.results.check('xss', `stored: GET ${page.path}`, xss === undefined, `stored payload served unescaped: ${xss ?? ''}`, request, response.status);
    const ssti = evidence.products.find((p) => response.body.includes(p));
    context.results.check('ssti', `stored: GET ${page.path}`, ssti === undefined, `stored template expression evaluated (${ssti ?? ''})`, request, response.status);
  }
}

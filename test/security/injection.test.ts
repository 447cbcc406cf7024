import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { decodeEntities, expectNoLeak, fieldErrors, inputValue } from '../support/assertions.js';
import { DIALECTS } from '../support/databases.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';

// Template syntaxes of Jinja/Twig/Nunjucks/Handlebars, JS template literals/Freemarker/Thymeleaf,
// ERB/EJS, Pug/Ruby, Razor, Velocity, Smarty, and a prototype-walking sandbox escape.
const SSTI = [
  '{{7*6}}',
  '${7*6}',
  '<%= 7*6 %>',
  '#{7*6}',
  "{{constructor.constructor('return 1')()}}",
  "{{7*'7'}}",
  '[[${7*6}]]',
  '*{7*6}',
  '@(7*6)',
  '#set($x=7*6)$x',
  '{7*6}',
  '{{= 7*6 }}',
  '{% print 7*6 %}',
];
// What an evaluating engine would have produced for the payloads above.
const EVALUATED = /(^|[^0-9])42([^0-9]|$)|7777777/;

const XSS = [
  '<script>alert(1)</script>',
  '"><script>alert(1)</script>',
  "'><img src=x onerror=alert(1)>",
  '" autofocus onfocus="alert(1)',
  "' autofocus onfocus='alert(1)",
  '<svg onload=alert(1)>',
  '</title><script>alert(1)</script>',
  '</textarea><script>alert(1)</script>',
  '<iframe src="javascript:alert(1)">',
  '<a href="javascript:alert(1)">x</a>',
  '<!--<script>alert(1)//-->',
  '<<script>script>alert(1)<</script>/script>',
  '&lt;script&gt;alert(1)&lt;/script&gt;',
];

const SQLI = ["' OR '1'='1", "admin'--", "'; DROP TABLE users;--", "' UNION SELECT id, password_hash FROM users--", '1; SELECT pg_sleep(5)--', "\\'; DROP TABLE sessions;--"];

/** Real markup a payload could have injected: a script/svg/img/iframe/a tag or an on* attribute in a tag. */
function expectNoInjectedMarkup(res: LightMyRequestResponse, label: string): void {
  // The layout's own scripts (same-origin modules under /static/, in <head> only) are the app's, not a payload's.
  const [head = '', body = ''] = res.body.split('</head>', 2);
  const html = head.replace(/<script type="module" src="\/static\/[a-z0-9-]+\.js"><\/script>/g, '') + '</head>' + body;
  expect(html, label).not.toMatch(/<script\b/i);
  expect(html, label).not.toMatch(/<(svg|img|iframe)\b/i);
  expect(html, label).not.toMatch(/<a\s[^>]*href="javascript:/i);
  // Attributes of every tag, skipping quoted values: none may be an event handler.
  for (const tag of html.match(/<[a-zA-Z][^\s>/]*(?:\s+[^\s=>]+(?:="[^"]*")?)*\s*\/?>/g) ?? []) {
    for (const [, name] of tag.matchAll(/\s([^\s=>]+)(?:="[^"]*")?/g)) expect(name!.toLowerCase(), `${label}: ${tag}`).not.toMatch(/^on/);
  }
}

/** The visible text of the page's <h1>. */
function heading(html: string): string {
  return decodeEntities(/<h1>(.*?)<\/h1>/s.exec(html)?.[1] ?? '');
}

describe.each(DIALECTS)('injection (%s)', (dialect) => {
  let t: TestApp;
  let signedIn: TestClient;

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
    signedIn = new TestClient(t.app);
    await signedIn.signupAndLogin('admin');
  });
  afterAll(() => t.close());

  const userCount = async () => Number((await t.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  describe('server-side template injection', () => {
    it.each(SSTI)('?name=%s is shown as text, never evaluated', async (payload) => {
      const res = await t.app.inject({ url: `/?name=${encodeURIComponent(payload)}` });
      expect(res.statusCode).toBe(200);
      expect(heading(res.body)).toBe(`Hello, ${payload}!`);
      expect(heading(res.body)).not.toMatch(EVALUATED);
      expectNoInjectedMarkup(res, payload);
    });

    it.each(SSTI)('%s in every signup field is kept as text (username/email) or never echoed (passwords)', async (payload) => {
      const res = await new TestClient(t.app).submit('/accounts/signup/', { username: payload, email: payload, password1: payload, password2: `${payload}x` });
      expect(res.statusCode).toBe(400);
      expect(inputValue(res.body, 'username')).toBe(payload);
      expect(inputValue(res.body, 'email')).toBe(payload);
      expect(inputValue(res.body, 'password1')).toBeNull();
      const errors = [...fieldErrors(res.body, 'username-errors'), ...fieldErrors(res.body, 'email-errors'), ...fieldErrors(res.body, 'password1-errors')].join(' ');
      expect(errors).not.toMatch(EVALUATED);
      expectNoInjectedMarkup(res, payload);
    });

    it.each(SSTI)('%s in every login field is kept as text and logs no one in', async (payload) => {
      const client = new TestClient(t.app);
      const res = await client.submit('/accounts/login/', { username: payload, password: payload, next: payload });
      expect(res.statusCode).toBe(401);
      expect(inputValue(res.body, 'username')).toBe(payload);
      expect(client.cookies.has('pv_session')).toBe(false);
      expectNoInjectedMarkup(res, payload);
    });

    it.each(SSTI)('%s in ?next= on the login page is neither evaluated nor carried', async (payload) => {
      for (const next of [payload, `/${payload}`]) {
        const res = await t.app.inject({ url: `/accounts/login/?next=${encodeURIComponent(next)}` });
        expect(res.statusCode).toBe(200);
        const value = inputValue(res.body, 'next') ?? '';
        expect(value === '' || value.startsWith('/')).toBe(true);
        expect(decodeURIComponent(value)).not.toMatch(EVALUATED);
        expectNoInjectedMarkup(res, next);
      }
    });
  });

  describe('reflected XSS', () => {
    it.each(XSS)('?name=%s is escaped', async (payload) => {
      const res = await t.app.inject({ url: `/?name=${encodeURIComponent(payload)}` });
      expect(res.statusCode).toBe(200);
      expect(heading(res.body)).toBe(`Hello, ${payload}!`);
      expectNoInjectedMarkup(res, payload);
    });

    it.each(XSS)('?next=%s on the login page is escaped or dropped', async (payload) => {
      for (const next of [payload, `/photos/${payload}`, `/photos/?q=${payload}`]) {
        const res = await t.app.inject({ url: `/accounts/login/?next=${encodeURIComponent(next)}` });
        expect(res.statusCode).toBe(200);
        expectNoInjectedMarkup(res, next);
      }
    });

    it.each(XSS)('?created=%s and unknown parameters are ignored safely', async (payload) => {
      const q = encodeURIComponent(payload);
      const res = await t.app.inject({ url: `/accounts/login/?created=${q}&${q}=${q}` });
      expect(res.statusCode).toBe(200);
      expectNoInjectedMarkup(res, payload);
    });

    it.each(XSS)('?page=%s on the gallery is refused without reflecting it', async (payload) => {
      const res = await signedIn.get(`/photos/?page=${encodeURIComponent(payload)}`);
      expect(res.statusCode).toBe(400);
      expectNoInjectedMarkup(res, payload);
      expect(res.body).not.toContain(payload);
    });

    it.each(XSS)('%s in every signup field is escaped', async (payload) => {
      const res = await new TestClient(t.app).submit('/accounts/signup/', { username: payload, email: payload, password1: payload, password2: payload });
      expect(res.statusCode).toBe(400);
      expect(inputValue(res.body, 'username')).toBe(payload);
      expect(inputValue(res.body, 'email')).toBe(payload);
      expectNoInjectedMarkup(res, payload);
    });

    it.each(XSS)('%s in every login field is escaped', async (payload) => {
      const res = await new TestClient(t.app).submit('/accounts/login/', { username: payload, password: payload, next: payload });
      expect(res.statusCode).toBe(401);
      expect(inputValue(res.body, 'username')).toBe(payload);
      expectNoInjectedMarkup(res, payload);
    });

    it.each(XSS)('%s in a path is escaped on the 404 page', async (payload) => {
      const res = await t.app.inject({ url: `/${encodeURIComponent(payload)}` });
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expectNoInjectedMarkup(res, payload);
    });

    it('a hostile User-Agent stored with the session never reaches the account page: it is named, not shown', async () => {
      const client = new TestClient(t.app, { 'user-agent': `<script>alert(1)</script>' OR '1'='1` });
      expect((await client.login('admin')).statusCode).toBe(303);
      const res = await client.get('/accounts/');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Unknown browser');
      expect(res.body).not.toContain('alert(1)');
      expectNoInjectedMarkup(res, 'user agent');
    });
  });

  describe('SQL injection', () => {
    it.each(SQLI)('%s in every signup field changes nothing and breaks nothing', async (payload) => {
      const before = await userCount();
      const res = await new TestClient(t.app).submit('/accounts/signup/', { username: payload, email: payload, password1: payload, password2: payload });
      expect(res.statusCode).toBe(400);
      expectNoLeak(res, [payload]);
      expect(await userCount()).toBe(before);
    });

    it.each(SQLI)('%s in every login field logs no one in', async (payload) => {
      for (const form of [
        { username: payload, password: payload },
        { username: payload, password: STRONG_PASSWORD },
        { username: 'admin', password: payload },
        { username: `admin${payload}`, password: 'x' },
      ]) {
        const client = new TestClient(t.app);
        const res = await client.submit('/accounts/login/', { ...form, next: payload });
        expect(res.statusCode, JSON.stringify(form)).toBe(401);
        expect(client.cookies.has('pv_session')).toBe(false);
        expectNoLeak(res, [form.username]);
      }
    });

    it.each(SQLI)('%s in query parameters is inert', async (payload) => {
      const q = encodeURIComponent(payload);
      for (const res of [
        await t.app.inject({ url: `/?name=${q}` }),
        await t.app.inject({ url: `/accounts/login/?next=${q}&created=${q}` }),
        await signedIn.get(`/photos/?page=${q}`),
      ]) {
        expect(res.statusCode).toBeLessThan(500);
        expectNoLeak(res, [payload]);
      }
    });

    it('SQL metacharacters are stored and matched verbatim where they are valid', async () => {
      const password = "'; DROP TABLE users;-- velvet otter quantum";
      const email = "o'reilly'--@example.com";
      const client = new TestClient(t.app);
      const res = await client.signup('quote_user', password, email);
      expect(res.statusCode).toBe(303);
      const row = await t.db.selectFrom('users').select(['email']).where('username_key', '=', 'quote_user').executeTakeFirstOrThrow();
      expect(row.email).toBe(email);
      expect((await client.login('quote_user', password)).statusCode).toBe(303);
      expect((await new TestClient(t.app).login('quote_user', "' OR '1'='1")).statusCode).toBe(401);
    });

    it('every table is still there and still works afterwards', async () => {
      for (const table of ['users', 'sessions', 'login_throttle', 'photos'] as const) {
        const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(t.db);
        expect(Number(result.rows[0]!.n), table).toBeGreaterThanOrEqual(0);
      }
      expect(await userCount()).toBeGreaterThanOrEqual(2);
      expect((await new TestClient(t.app).login('admin')).statusCode).toBe(303);
      expect((await signedIn.get('/photos/')).statusCode).toBe(200);
    });
  });
});

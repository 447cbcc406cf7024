import { randomBytes, createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESET_SENT, RESET_UNAVAILABLE } from '../../src/views/pages/password-reset-page.js';
import { INVALID_RESET_LINK } from '../../src/views/pages/password-reset-confirm-page.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { resetLinkIn, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const NEW_PASSWORD = 'copper meadow ribbon falcon';
const PUBLIC_URL = 'https://photos.example.test';
const THROTTLE_OFF = { LOGIN_ACCOUNT_MAX_FAILURES: '1000', LOGIN_ADDRESS_MAX_FAILURES: '100000' };
const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function mailEnv(smtp: TestSmtpServer): Record<string, string> {
  return { ...THROTTLE_OFF, SMTP_URL: smtp.url, MAIL_FROM: 'photovault <photos@example.test>', PUBLIC_URL };
}

let nextAddress = 1;
/** A client from an address of its own, so the per-client reset limit of one test does not reach the next. */
function freshClient(t: TestApp): TestClient {
  const client = new TestClient(t.app);
  client.remoteAddress = `10.1.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;
  return client;
}

async function requestReset(client: TestClient, email: string) {
  return client.submit('/accounts/password/reset/', { email });
}

/** The page body without what differs on every answer (CSRF token, request id). */
function stable(body: string): string {
  return body.replace(/name="_csrf" value="[^"]+"/g, '').replace(/Request id: [0-9a-f-]+/g, '');
}

async function canLogIn(t: TestApp, username: string, password: string): Promise<boolean> {
  const res = await freshClient(t).login(username, password);
  return res.statusCode === 303;
}

async function signedIn(client: TestClient): Promise<boolean> {
  return (await client.get('/photos/')).statusCode === 200;
}

describe.each(DIALECTS)('password reset by email over SMTP (%s)', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(dialect, mailEnv(smtp));
    for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan']) await new TestClient(t.app).signup(name);
    // Two accounts that share one address: each gets its own mail.
    await new TestClient(t.app).signup('judy', STRONG_PASSWORD, 'family@example.com');
    await new TestClient(t.app).signup('kim', STRONG_PASSWORD, 'Family@Example.com');
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  /** Asks for a reset and returns the link's path from the mail the SMTP server received. */
  async function mailedLink(email: string, to = email): Promise<string> {
    const res = await requestReset(freshClient(t), email);
    expect(res.statusCode, res.body).toBe(200);
    const mail = await smtp.nextMailTo(to);
    return resetLinkIn(mail).pathname;
  }

  async function setPassword(client: TestClient, path: string, password1: string, password2 = password1) {
    return client.submit(path, { new_password1: password1, new_password2: password2 });
  }

  it('mails a link over STARTTLS with AUTH; following it sets the password, which then logs in (the old one no longer does)', async () => {
    const client = freshClient(t);
    const page = await client.get('/accounts/password/reset/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('max-age=0, no-cache, no-store, must-revalidate, private');
    expect(page.body).toMatch(/<form method="post" action="\/accounts\/password\/reset\/"[^>]*>\s*<input type="hidden" name="_csrf"/);
    expect(page.body).toContain('name="email"');

    const res = await requestReset(client, 'alice@example.com');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(escapeHtml(RESET_SENT));

    const mail = await smtp.nextMailTo('alice@example.com');
    expect(mail.from).toBe('photos@example.test');
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe('photovault');
    expect(mail.subject).toBe('Password reset on photovault');
    expect(mail.text).toContain('alice');
    const link = resetLinkIn(mail);
    expect(link.origin).toBe(PUBLIC_URL);

    const form = await client.get(link.pathname);
    expect(form.statusCode).toBe(200);
    expect(form.headers['cache-control']).toBe('max-age=0, no-cache, no-store, must-revalidate, private');
    expect(form.body).toContain('name="new_password1"');
    expect(form.body).toContain('name="new_password2"');
    expect(form.body).toMatch(/<form method="post" action="\/accounts\/password\/reset\/[A-Za-z0-9_-]{43}\/"[^>]*>\s*<input type="hidden" name="_csrf"/);

    const done = await setPassword(client, link.pathname, NEW_PASSWORD);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/accounts/login/?reset=1');
    expect((await client.get('/accounts/login/?reset=1')).body).toContain('Your password has been set.');
    expect(await canLogIn(t, 'alice', NEW_PASSWORD)).toBe(true);
    expect(await canLogIn(t, 'alice', STRONG_PASSWORD)).toBe(false);
  });

  it('stores only the SHA-256 of the token, valid for 30 minutes', async () => {
    const before = Date.now();
    const path = await mailedLink('bob@example.com');
    const token = path.split('/')[4]!;
    const rows = await t.db.selectFrom('password_reset_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    const row = rows.find((r) => r.token_hash === createHash('sha256').update(token).digest('hex'));
    expect(row).toBeDefined();
    const ttl = Number(row!.expires_at) - Number(row!.created_at);
    expect(ttl).toBe(30 * 60_000);
    expect(Number(row!.created_at)).toBeGreaterThanOrEqual(before);
  });

  it('answers an unknown address exactly like a known one, and mails nothing', async () => {
    const known = await requestReset(freshClient(t), 'carol@example.com');
    await smtp.nextMailTo('carol@example.com');
    const count = smtp.received.length;
    const unknown = await requestReset(freshClient(t), 'nobody@example.com');
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(stable(unknown.body)).toBe(stable(known.body));
    // A later mail to someone else arrives; nothing went to the unknown address meanwhile.
    await requestReset(freshClient(t), 'dave@example.com');
    await smtp.nextMailTo('dave@example.com');
    expect(smtp.received.length).toBe(count + 1);
    expect(smtp.received.some((m) => m.to.includes('nobody@example.com'))).toBe(false);
  });

  it('finds the address case-insensitively and mails every account that has it', async () => {
    const res = await requestReset(freshClient(t), 'FAMILY@example.COM');
    expect(res.statusCode).toBe(200);
    const first = await smtp.nextMailTo('family@example.com');
    const second = await smtp.nextMailTo('Family@example.com');
    expect([first.text, second.text].some((text) => text.includes('judy'))).toBe(true);
    expect([first.text, second.text].some((text) => text.includes('kim'))).toBe(true);
  });

  it('a link works once: replaying it, by GET or POST, is refused', async () => {
    const path = await mailedLink('erin@example.com');
    const client = freshClient(t);
    expect((await setPassword(client, path, NEW_PASSWORD)).statusCode).toBe(303);
    const again = await freshClient(t).get(path);
    expect(again.statusCode).toBe(404);
    expect(again.body).toContain(escapeHtml(INVALID_RESET_LINK));
    expect(again.body).not.toContain('name="new_password1"');
    const fair = freshClient(t);
    const token = await fair.csrfFrom('/accounts/password/reset/');
    const replayed = await fair.post(path, { _csrf: token, new_password1: 'another long passphrase here', new_password2: 'another long passphrase here' });
    expect(replayed.statusCode).toBe(400);
    expect(replayed.body).toContain(escapeHtml(INVALID_RESET_LINK));
    expect(await canLogIn(t, 'erin', NEW_PASSWORD)).toBe(true);
    expect(await canLogIn(t, 'erin', 'another long passphrase here')).toBe(false);
  });

  it('two racing uses of one link: exactly one sets its password', async () => {
    const path = await mailedLink('frank@example.com');
    const a = freshClient(t);
    const b = freshClient(t);
    const [tokenA, tokenB] = await Promise.all([a.csrfFrom(path), b.csrfFrom(path)]);
    const [resA, resB] = await Promise.all([
      a.post(path, { _csrf: tokenA, new_password1: 'racing lemon tundra kettle', new_password2: 'racing lemon tundra kettle' }),
      b.post(path, { _csrf: tokenB, new_password1: 'racing plum glacier spoon', new_password2: 'racing plum glacier spoon' }),
    ]);
    expect([resA.statusCode, resB.statusCode].sort()).toEqual([303, 400]);
    const winner = resA.statusCode === 303 ? 'racing lemon tundra kettle' : 'racing plum glacier spoon';
    const loser = resA.statusCode === 303 ? 'racing plum glacier spoon' : 'racing lemon tundra kettle';
    expect(await canLogIn(t, 'frank', winner)).toBe(true);
    expect(await canLogIn(t, 'frank', loser)).toBe(false);
  });

  it('an expired link (past its 30 minutes) is refused and changes nothing', async () => {
    const path = await mailedLink('grace@example.com');
    const token = path.split('/')[4]!;
    const hash = createHash('sha256').update(token).digest('hex');
    await t.db.updateTable('password_reset_tokens').set({ expires_at: Date.now() - 1 }).where('token_hash', '=', hash).execute();
    const client = freshClient(t);
    expect((await client.get(path)).statusCode).toBe(404);
    const token2 = await client.csrfFrom('/accounts/password/reset/');
    const res = await client.post(path, { _csrf: token2, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(escapeHtml(INVALID_RESET_LINK));
    expect(await canLogIn(t, 'grace', STRONG_PASSWORD)).toBe(true);
  });

  it.each([
    ['a random token of the right shape', () => randomBytes(32).toString('base64url')],
    ['a token one character short', () => randomBytes(32).toString('base64url').slice(1)],
    ['SQL', () => encodeURIComponent("' OR '1'='1")],
    ['a path traversal', () => '..%2F..%2Fetc%2Fpasswd'],
    ['a huge value', () => 'A'.repeat(190)],
  ])('a forged link (%s) is refused without a 500', async (_label, make) => {
    const path = `/accounts/password/reset/${make()}/`;
    const client = freshClient(t);
    const get = await client.get(path);
    expect(get.statusCode).toBe(404);
    const csrf = await client.csrfFrom('/accounts/password/reset/');
    const post = await client.post(path, { _csrf: csrf, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(post.statusCode).toBe(400);
    expect(post.body).toContain(escapeHtml(INVALID_RESET_LINK));
  });

  it('the stored hash used as a token (what a leaked table gives) is refused', async () => {
    const path = await mailedLink('heidi@example.com');
    const hash = createHash('sha256').update(path.split('/')[4]!).digest('hex');
    expect((await freshClient(t).get(`/accounts/password/reset/${hash}/`)).statusCode).toBe(404);
  });

  it("one user's link cannot touch another account, whatever extra fields say", async () => {
    const path = await mailedLink('ivan@example.com');
    const client = freshClient(t);
    const csrf = await client.csrfFrom(path);
    const res = await client.post(path, { _csrf: csrf, new_password1: 'hijack attempt maple sonnet', new_password2: 'hijack attempt maple sonnet', username: 'bob', user_id: 'bob', email: 'bob@example.com' });
    expect(res.statusCode).toBe(303);
    expect(await canLogIn(t, 'ivan', 'hijack attempt maple sonnet')).toBe(true);
    expect(await canLogIn(t, 'bob', 'hijack attempt maple sonnet')).toBe(false);
    expect(await canLogIn(t, 'bob', STRONG_PASSWORD)).toBe(true);
  });

  it('ends every session of the account on reset, and leaves other accounts signed in', async () => {
    await new TestClient(t.app).signup('laura');
    const laptop = freshClient(t);
    const phone = freshClient(t);
    const other = freshClient(t);
    await laptop.login('laura');
    await phone.login('laura');
    await other.login('bob');
    const path = await mailedLink('laura@example.com');
    expect((await setPassword(freshClient(t), path, NEW_PASSWORD)).statusCode).toBe(303);
    expect(await signedIn(laptop)).toBe(false);
    expect(await signedIn(phone)).toBe(false);
    expect(await signedIn(other)).toBe(true);
  });

  it('applies the password policy, and a refused password leaves the link usable', async () => {
    await new TestClient(t.app).signup('mallory');
    const path = await mailedLink('mallory@example.com');
    const client = freshClient(t);
    const short = await setPassword(client, path, 'short');
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('This password is too short');
    const similar = await setPassword(client, path, 'mallory@example.com');
    expect(similar.statusCode).toBe(400);
    expect(similar.body).toContain('too similar');
    const mismatch = await setPassword(client, path, NEW_PASSWORD, `${NEW_PASSWORD}x`);
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.body).toContain('didn’t match');
    expect((await setPassword(client, path, NEW_PASSWORD)).statusCode).toBe(303);
  });

  it('a password change makes outstanding links useless', async () => {
    await new TestClient(t.app).signup('nina');
    const path = await mailedLink('nina@example.com');
    const client = freshClient(t);
    await client.login('nina');
    const changed = await client.submit('/accounts/password/change/', { old_password: STRONG_PASSWORD, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(changed.statusCode).toBe(303);
    expect((await freshClient(t).get(path)).statusCode).toBe(404);
  });

  it('both forms need their CSRF token; a link posted without one is not used up', async () => {
    await new TestClient(t.app).signup('oscar');
    const client = freshClient(t);
    const request = await client.post('/accounts/password/reset/', { email: 'oscar@example.com' });
    expect(request.statusCode).toBe(403);
    const path = await mailedLink('oscar@example.com');
    const forged = await client.post(path, { new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(forged.statusCode).toBe(403);
    expect((await freshClient(t).get(path)).statusCode).toBe(200);
  });

  it('refuses a malformed address with a clear error and oversized or repeated fields with a 400', async () => {
    const client = freshClient(t);
    const bad = await requestReset(client, 'not an address');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Enter a valid email address.');
    const empty = await requestReset(client, '');
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Enter an email address.');
    expect((await requestReset(client, `${'a'.repeat(9000)}@example.com`)).statusCode).toBe(400);
    const csrf = await client.csrfFrom('/accounts/password/reset/');
    const repeated = await client.request({
      method: 'POST',
      url: '/accounts/password/reset/',
      payload: `_csrf=${encodeURIComponent(csrf)}&email=a%40example.com&email=b%40example.com`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(repeated.statusCode).toBe(400);
  });

  it('never writes the token to the access log or traces: the path is redacted', async () => {
    const { redactedLogUrl } = await import('../../src/logging/redact-url.js');
    const token = randomBytes(32).toString('base64url');
    expect(redactedLogUrl(`/accounts/password/reset/${token}/`)).toBe('/accounts/password/reset/[redacted]/');
    expect(redactedLogUrl('/accounts/password/reset/')).toBe('/accounts/password/reset/');
  });
});

describe.each(DIALECTS)('password reset throttling (%s)', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(dialect, mailEnv(smtp));
    for (const name of ['peggy', 'quinn']) await new TestClient(t.app).signup(name);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('per address: the sixth request within the hour is refused with Retry-After, for known and unknown addresses alike', async () => {
    for (const email of ['peggy@example.com', 'unknown-peggy@example.com']) {
      for (let i = 0; i < 5; i++) expect((await requestReset(freshClient(t), email)).statusCode).toBe(200);
      const refused = await requestReset(freshClient(t), email);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.body).toMatch(/Try again in \d+ seconds/);
    }
  });

  it('per account: at most three mails an hour, while the answer stays the same', async () => {
    const before = smtp.received.filter((m) => m.to.includes('quinn@example.com')).length;
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(stable((await requestReset(freshClient(t), 'quinn@example.com')).body));
    expect(new Set(answers).size).toBe(1);
    for (let i = 0; i < 3; i++) await smtp.nextMailTo('quinn@example.com');
    // The mail of a sixth-from-one-client request would have arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.received.filter((m) => m.to.includes('quinn@example.com')).length - before).toBe(3);
  });

  it('per client address: 20 requests an hour, whatever the addresses asked for', async () => {
    const client = freshClient(t);
    for (let i = 0; i < 20; i++) expect((await requestReset(client, `someone${i}@example.net`)).statusCode).toBe(200);
    const refused = await requestReset(client, 'someone-else@example.net');
    expect(refused.statusCode).toBe(429);
    expect((await requestReset(freshClient(t), 'someone-else@example.net')).statusCode).toBe(200);
  });
});

describe('password reset timing and delivery', () => {
  it('answers before the SMTP server has accepted the mail (its time never shows in the answer)', async () => {
    const slow = await startSmtpServer({ acceptDelayMs: 1500 });
    const t = await createTestApp('sqlite', mailEnv(slow));
    try {
      await new TestClient(t.app).signup('rupert');
      const client = freshClient(t);
      const csrf = await client.csrfFrom('/accounts/password/reset/');
      const started = performance.now();
      const res = await client.post('/accounts/password/reset/', { _csrf: csrf, email: 'rupert@example.com' });
      const elapsed = performance.now() - started;
      expect(res.statusCode).toBe(200);
      expect(elapsed).toBeLessThan(1000);
      const mail = await slow.nextMailTo('rupert@example.com');
      expect(resetLinkIn(mail).origin).toBe(PUBLIC_URL);
    } finally {
      await t.close();
      await slow.close();
    }
  });

  it('works with a server that offers no STARTTLS (plain SMTP with AUTH)', async () => {
    const plain = await startSmtpServer({ starttls: false });
    const t = await createTestApp('sqlite', mailEnv(plain));
    try {
      await new TestClient(t.app).signup('sybil');
      expect((await requestReset(freshClient(t), 'sybil@example.com')).statusCode).toBe(200);
      const mail = await plain.nextMailTo('sybil@example.com');
      expect(mail.secure).toBe(false);
    } finally {
      await t.close();
      await plain.close();
    }
  });

  it("verifies the STARTTLS certificate by default: an untrusted one means no mail, and the same answer", async () => {
    const server = await startSmtpServer();
    const t = await createTestApp('sqlite', mailEnv({ ...server, url: server.url.replace('?tls.rejectUnauthorized=false', '') }));
    try {
      await new TestClient(t.app).signup('trent');
      const res = await requestReset(freshClient(t), 'trent@example.com');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('We’ve emailed you instructions');
      await expect(server.nextMailTo('trent@example.com', 1500)).rejects.toThrow(/no mail/);
    } finally {
      await t.close();
      await server.close();
    }
  });
});

describe('password reset without SMTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('sqlite', THROTTLE_OFF);
    await new TestClient(t.app).signup('uma');
  });
  afterAll(() => t.close());

  it('says on the page that reset by email is unavailable, also in answer to a post, and stores nothing', async () => {
    const page = await t.app.inject({ url: '/accounts/password/reset/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(RESET_UNAVAILABLE);
    expect(page.body).not.toContain('name="email"');
    const client = freshClient(t);
    const csrf = await client.csrfFrom('/accounts/login/');
    const res = await client.post('/accounts/password/reset/', { _csrf: csrf, email: 'uma@example.com' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(RESET_UNAVAILABLE);
    expect(res.body).not.toContain('We’ve emailed you');
    expect(await t.db.selectFrom('password_reset_tokens').selectAll().execute()).toEqual([]);
  });

  it('the login page links to the reset page', async () => {
    const page = await t.app.inject({ url: '/accounts/login/' });
    expect(page.body).toContain('href="/accounts/password/reset/"');
  });
});

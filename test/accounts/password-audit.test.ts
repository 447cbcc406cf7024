import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STRONG_PASSWORD, TestClient } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { resetLinkIn, startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { apiCsrfToken } from '../api/api-client.js';

const NEW_PASSWORD = 'copper meadow ribbon falcon';
const OTHER_PASSWORD = 'amber orchard quill sparrow';

// Issue 16 item 7's audit log: password changes and both halves of a reset are security events.
describe.each(DIALECTS)('password change and reset in the audit log (%s)', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(dialect, { SMTP_URL: smtp.url, MAIL_FROM: 'photovault <photos@example.test>', PUBLIC_URL: 'https://photos.example.test' });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const entries = (name: string) => t.db.selectFrom('audit_log').selectAll().where('target_name', '=', name).orderBy('at', 'asc').orderBy('id', 'asc').execute();

  it('a password change through the page and through the API each write password_changed, never the password', async () => {
    const client = new TestClient(t.app);
    await client.signupAndLogin('audit_change');
    const changed = await client.submit('/accounts/password/change/', { old_password: STRONG_PASSWORD, new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(changed.statusCode).toBe(303);
    const api = await client.request({
      method: 'POST',
      url: '/api/v1/account/password',
      payload: JSON.stringify({ old_password: NEW_PASSWORD, new_password: OTHER_PASSWORD }),
      headers: { 'content-type': 'application/json', 'x-csrf-token': await apiCsrfToken(client) },
    });
    expect(api.statusCode).toBe(204);
    const rows = (await entries('audit_change')).filter((r) => r.event === 'password_changed');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.actor_name).toBe('audit_change');
    expect(rows[0]!.request_id).not.toBe('');
    for (const row of rows) expect(JSON.stringify(row)).not.toMatch(/copper|amber/);
  });

  it('a reset request is audited for the account mailed, and once without a target for an unknown address; completion is audited', async () => {
    const owner = new TestClient(t.app);
    await owner.signup('audit_reset', STRONG_PASSWORD, 'audit_reset@example.com');
    const visitor = new TestClient(t.app);
    visitor.remoteAddress = '10.99.0.1';
    expect((await visitor.submit('/accounts/password/reset/', { email: 'audit_reset@example.com' })).statusCode).toBe(200);
    expect((await visitor.submit('/accounts/password/reset/', { email: 'nobody-here@example.com' })).statusCode).toBe(200);
    const link = resetLinkIn(await smtp.nextMailTo('audit_reset@example.com'));
    const done = await visitor.submit(link.pathname, { new_password1: NEW_PASSWORD, new_password2: NEW_PASSWORD });
    expect(done.statusCode).toBe(303);
    const events = (await entries('audit_reset')).map((r) => r.event);
    expect(events).toEqual(['password_reset_requested', 'password_reset_completed']);
    const anonymous = await t.db.selectFrom('audit_log').selectAll().where('event', '=', 'password_reset_requested').where('target_name', '=', '').execute();
    expect(anonymous.length).toBeGreaterThanOrEqual(1);
    // Neither the address typed nor the link's token is written down.
    const all = JSON.stringify(await t.db.selectFrom('audit_log').selectAll().execute());
    expect(all).not.toContain('nobody-here');
    expect(all).not.toContain(link.pathname.split('/').at(-2));
  });
});

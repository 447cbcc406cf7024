import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';
import { clientWithOwnAddress, extractCsrf, type TestClient } from '../support/client.js';
import { smallJpeg, uploadProcessed } from '../support/photos.js';
import { enableTwoFactor } from '../support/two-factor.js';
import { createToken, withBearer } from '../api/api-client.js';
import { registerPasskey } from '../support/passkeys.js';

const ADMIN_PAGES = ['/admin/', '/admin/moderation/', '/admin/users/', '/admin/audit/'];
const freshClient = (t: TestApp) => clientWithOwnAddress(t.app, 17);

async function makeAdmin(t: TestApp, username: string): Promise<void> {
  await t.db.updateTable('users').set({ role: 'admin' }).where('username_key', '=', username).execute();
}

/** Holds an uploaded photo for review, as the moderation model does. */
async function holdPhoto(t: TestApp, id: string): Promise<void> {
  await t.db.updateTable('photos').set({ status: 'held', status_detail: 'Held for review: the content check classified this photo as “porn”. Only you can see it.' }).where('id', '=', id).execute();
}

describe.each(DIALECTS)('administration (%s)', (dialect) => {
  let t: TestApp;
  let admin: TestClient;
  let owner: TestClient;
  let stranger: TestClient;

  beforeAll(async () => {
    t = await createTestApp(dialect, { MODERATION_ENABLED: 'false', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
    admin = freshClient(t);
    await admin.signupAndLogin('root_admin');
    await makeAdmin(t, 'root_admin');
    await enableTwoFactor(admin);
    owner = freshClient(t);
    await owner.signupAndLogin('photo_owner');
    stranger = freshClient(t);
    await stranger.signupAndLogin('just_a_user');
  }, 60_000);
  afterAll(() => t.close());

  it('is a 404 for anonymous visitors and ordinary users, pages and actions alike', async () => {
    const anonymous = freshClient(t);
    for (const url of [...ADMIN_PAGES, '/admin/moderation/0123456789abcdef0123456789abcdef/media/thumb.jpg']) {
      expect((await anonymous.get(url)).statusCode, url).toBe(404);
      const res = await stranger.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['cache-control']).toContain('no-store');
    }
    const token = extractCsrf((await stranger.get('/photos/')).body)!;
    const target = await t.db.selectFrom('users').select('id').where('username_key', '=', 'photo_owner').executeTakeFirstOrThrow();
    for (const action of ['disable', 'enable', 'end-sessions', 'reset-2fa']) {
      expect((await stranger.post(`/admin/users/${target.id}/${action}/`, { _csrf: token })).statusCode).toBe(404);
    }
    expect((await stranger.post('/admin/moderation/0123456789abcdef0123456789abcdef/release/', { _csrf: token })).statusCode).toBe(404);
    const row = await t.db.selectFrom('users').select('disabled_at').where('id', '=', target.id).executeTakeFirstOrThrow();
    expect(row.disabled_at).toBe(0);
  });

  it('sends an admin without two-factor login to set it up, and lets them in once it is on', async () => {
    const newAdmin = freshClient(t);
    await newAdmin.signupAndLogin('new_admin');
    await makeAdmin(t, 'new_admin');
    const res = await newAdmin.get('/admin/users/');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/accounts/2fa/?next=%2Fadmin%2Fusers%2F');
    const setup = await newAdmin.get(res.headers.location!);
    expect(setup.body).toContain('Administration needs two-factor login.');
    await enableTwoFactor(newAdmin);
    expect((await newAdmin.get('/admin/users/')).statusCode).toBe(200);
  });

  it('admin pages are never cached and carry CSRF-protected forms', async () => {
    for (const url of ADMIN_PAGES) {
      const res = await admin.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control']).toBe('max-age=0, no-cache, no-store, must-revalidate, private');
    }
    const users = await admin.get('/admin/users/');
    expect(users.body).toMatch(/<form method="post" action="\/admin\/users\/[\w-]+\/disable\/" class="inline-form"><input type="hidden" name="_csrf"/);
  });

  it('release: a held photo shown to the admin with strict headers becomes ready in its owner’s gallery', async () => {
    const id = await uploadProcessed(t, owner, await smallJpeg(80, 60, '#c84'), 'Held one');
    await holdPhoto(t, id);
    expect((await owner.get('/photos/')).body).toContain('Held for review');
    const queue = await admin.get('/admin/moderation/');
    expect(queue.body).toContain(`data-photo-id="${id}"`);
    expect(queue.body).toContain('photo_owner');
    const thumb = await admin.get(`/admin/moderation/${id}/media/thumb.jpg`);
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect(thumb.headers['cache-control']).toContain('no-store');
    expect(thumb.headers['x-content-type-options']).toBe('nosniff');
    expect(thumb.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect((await admin.get(`/admin/moderation/${id}/media/original`)).statusCode).toBe(404);
    expect((await stranger.get(`/admin/moderation/${id}/media/thumb.jpg`)).statusCode).toBe(404);

    const token = extractCsrf(queue.body)!;
    expect((await admin.post(`/admin/moderation/${id}/release/`, {})).statusCode).toBe(403);
    const released = await admin.post(`/admin/moderation/${id}/release/`, { _csrf: token });
    expect(released.statusCode).toBe(303);
    const status = (await owner.get(`/photos/${id}/status/`)).json() as { status: string; detail: string };
    expect(status).toMatchObject({ status: 'ready', detail: '' });
    const gallery = await owner.get('/photos/');
    expect(gallery.body).toContain(`href="/photos/${id}/"`);
    expect(gallery.body).not.toContain('Held for review');
    // No longer held: gone from the queue, its image no longer served here, a second decision a 404.
    expect((await admin.get('/admin/moderation/')).body).not.toContain(id);
    expect((await admin.get(`/admin/moderation/${id}/media/thumb.jpg`)).statusCode).toBe(404);
    expect((await admin.post(`/admin/moderation/${id}/release/`, { _csrf: token })).statusCode).toBe(404);
    const entry = await t.db.selectFrom('audit_log').selectAll().where('event', '=', 'photo_released').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_name: 'root_admin', target_name: 'photo_owner', detail: `photo ${id}` });
  });

  it('remove: needs a reason, which the owner then sees with the state; the files go', async () => {
    const id = await uploadProcessed(t, owner, await smallJpeg(80, 60, '#48c'), 'Bad one');
    await holdPhoto(t, id);
    const token = extractCsrf((await admin.get('/admin/moderation/')).body)!;
    const empty = await admin.post(`/admin/moderation/${id}/remove/`, { _csrf: token, reason: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('Give a reason');
    expect((await admin.post(`/admin/moderation/${id}/remove/`, { _csrf: token, reason: 'x'.repeat(501) })).statusCode).toBe(400);
    const removed = await admin.post(`/admin/moderation/${id}/remove/`, { _csrf: token, reason: 'Not allowed <b>here</b>' });
    expect(removed.statusCode).toBe(303);
    const page = await owner.get(`/photos/${id}/`);
    expect(page.body).toContain('Status: Removed by a moderator');
    expect(page.body).toContain('Removed by a moderator: Not allowed &lt;b>here&lt;/b>');
    expect((await owner.get(`/photos/${id}/media/thumb.jpg`)).statusCode).toBe(404);
  });

  it('users: disable ends the sessions and refuses login; enable lets them back; end sessions; reset 2FA', async () => {
    const victim = freshClient(t);
    await victim.signupAndLogin('to_disable');
    const user = await t.db.selectFrom('users').select('id').where('username_key', '=', 'to_disable').executeTakeFirstOrThrow();
    const token = extractCsrf((await admin.get('/admin/users/?q=to_')).body)!;
    const apiToken = await createToken(victim, 'script');
    expect((await withBearer(t, apiToken.token, { url: '/api/v1/me' })).statusCode).toBe(200);
    expect((await admin.post(`/admin/users/${user.id}/disable/`, { _csrf: token })).statusCode).toBe(303);
    expect((await victim.get('/photos/')).statusCode).toBe(303);
    expect((await withBearer(t, apiToken.token, { url: '/api/v1/me' })).statusCode).toBe(401);
    const refused = await freshClient(t).login('to_disable');
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('This account is disabled.');
    expect((await admin.get('/admin/users/?q=to_')).body).toMatch(/data-user="to_disable"[\s\S]*?Disabled/);
    expect((await admin.post(`/admin/users/${user.id}/enable/`, { _csrf: token })).statusCode).toBe(303);
    expect((await withBearer(t, apiToken.token, { url: '/api/v1/me' })).statusCode).toBe(200);
    // The search box is a prefix of usernames, never a pattern.
    expect((await admin.get('/admin/users/?q=%25')).body).not.toContain('data-user=');
    expect((await admin.get('/admin/users/?q=to_')).body).toContain('data-user="to_disable"');
    const back = freshClient(t);
    expect((await back.login('to_disable')).statusCode).toBe(303);

    expect((await admin.post(`/admin/users/${user.id}/end-sessions/`, { _csrf: token })).statusCode).toBe(303);
    expect((await back.get('/photos/')).statusCode).toBe(303);

    await back.login('to_disable');
    await enableTwoFactor(back);
    expect((await admin.post(`/admin/users/${user.id}/reset-2fa/`, { _csrf: token })).statusCode).toBe(303);
    expect((await freshClient(t).login('to_disable')).headers.location).toBe('/photos/');

    const admins = await t.db.selectFrom('users').select('id').where('username_key', '=', 'root_admin').executeTakeFirstOrThrow();
    expect((await admin.post(`/admin/users/${admins.id}/disable/`, { _csrf: token })).statusCode).toBe(409);
    expect((await admin.post('/admin/users/no-such-user/disable/', { _csrf: token })).statusCode).toBe(404);
    expect((await admin.post('/admin/users/bad%20id/disable/', { _csrf: token })).statusCode).toBe(404);
    const events = (await t.db.selectFrom('audit_log').select(['event', 'actor_name']).where('target_id', '=', user.id).execute()).filter((e) => e.actor_name === 'root_admin').map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['user_disabled', 'user_enabled', 'sessions_ended', 'two_factor_reset']));
  });

  it('users: two-factor counts passkeys — shown with TOTP, reset by the admin, audited as a change', async () => {
    const passkeyOnly = freshClient(t);
    await passkeyOnly.signupAndLogin('pk_only_user');
    await registerPasskey(passkeyOnly, 'Laptop');
    await registerPasskey(passkeyOnly, 'Phone');
    const both = freshClient(t);
    await both.signupAndLogin('pk_and_totp');
    await enableTwoFactor(both);
    await registerPasskey(both, 'Key');
    const rowOf = async (username: string) => {
      const body = (await admin.get(`/admin/users/?q=${username}`)).body;
      return body.match(new RegExp(`<tr data-user="${username}">[\\s\\S]*?</tr>`))?.[0] ?? '';
    };
    const idOf = async (username: string) => (await t.db.selectFrom('users').select('id').where('username_key', '=', username).executeTakeFirstOrThrow()).id;
    expect(await rowOf('pk_only_user')).toContain('<td data-label="Two-factor">2 passkeys</td>');
    expect(await rowOf('pk_only_user')).toContain('Reset two-factor');
    expect(await rowOf('pk_and_totp')).toContain('<td data-label="Two-factor">TOTP + 1 passkey</td>');
    expect(await rowOf('just_a_user')).toContain('<td data-label="Two-factor">Off</td>');
    expect(await rowOf('just_a_user')).not.toContain('Reset two-factor');
    // Without TOTP, passkeys pass the admins' two-factor gate.
    await makeAdmin(t, 'pk_only_user');
    expect((await passkeyOnly.get('/admin/')).statusCode).toBe(200);

    const token = extractCsrf((await admin.get('/admin/users/')).body)!;
    for (const username of ['pk_only_user', 'pk_and_totp', 'just_a_user']) {
      expect((await admin.post(`/admin/users/${await idOf(username)}/reset-2fa/`, { _csrf: token })).statusCode).toBe(303);
      expect(await rowOf(username)).toContain('<td data-label="Two-factor">Off</td>');
      expect(await rowOf(username)).not.toContain('Reset two-factor');
    }
    expect(await t.db.selectFrom('passkeys').select('id').where('user_id', 'in', [await idOf('pk_only_user'), await idOf('pk_and_totp')]).execute()).toEqual([]);
    // The reset of a passkey-only user is a change; of a user without a second factor, "no change".
    const detailOf = async (username: string) =>
      (await t.db.selectFrom('audit_log').select('detail').where('event', '=', 'two_factor_reset').where('target_id', '=', await idOf(username)).executeTakeFirstOrThrow()).detail;
    expect(await detailOf('pk_only_user')).not.toBe('no change');
    expect(await detailOf('pk_and_totp')).not.toBe('no change');
    expect(await detailOf('just_a_user')).toBe('no change');
    // Their passkeys gone, the gate sends that admin to set up two-factor login again.
    expect((await passkeyOnly.get('/admin/')).headers.location).toBe('/accounts/2fa/?next=%2Fadmin%2F');
  });

  it('the audit log lists security events with time, address and request id, filtered by event and user, paginated', async () => {
    await freshClient(t).login('just_a_user', 'a wrong password here');
    const all = await admin.get('/admin/audit/');
    expect(all.body).toContain('data-event="login_failed"');
    const failed = await admin.get('/admin/audit/?event=login_failed&user=just_a_user');
    expect(failed.statusCode).toBe(200);
    const rows = [...failed.body.matchAll(/<tr data-event="([^"]+)">([\s\S]*?)<\/tr>/g)];
    expect(rows.length).toBeGreaterThan(0);
    for (const [, event, cells] of rows) {
      expect(event).toBe('login_failed');
      expect(cells).toContain('just_a_user');
      expect(cells).toMatch(/10\.17\.\d+\.\d+/);
      expect(cells).toMatch(/<code>[0-9a-f-]{36}<\/code>/);
    }
    const byUser = await admin.get('/admin/audit/?user=photo_owner');
    expect(byUser.body).toContain('data-event="photo_released"');
    expect(byUser.body).not.toContain('data-event="user_disabled"');
    expect((await admin.get('/admin/audit/?event=<script>')).statusCode).toBe(400);
    expect((await admin.get('/admin/audit/?page=0')).statusCode).toBe(400);
    expect((await admin.get('/admin/audit/?page=2')).statusCode).toBe(200);
  });
});

import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccountDeletionRepository } from '../../../src/accounts/deletion/account-deletion-repository.js';
import { createDeleteAccountJob, deleteAccountJob } from '../../../src/accounts/deletion/delete-account-job.js';
import { createAuditLog } from '../../../src/audit/audit-log.js';
import { createAuditRepository } from '../../../src/audit/audit-repository.js';
import { createUserRepository } from '../../../src/accounts/user-repository.js';
import { createPasswordHasher } from '../../../src/accounts/password/hashing.js';
import { createAdminRepository } from '../../../src/admin/admin-repository.js';
import { createUserAdminService } from '../../../src/admin/user-admin-service.js';
import type { QueuedJob } from '../../../src/jobs/job-queue.js';
import { LocalStorage } from '../../../src/media/storage/local-storage.js';
import type { MediaStorage } from '../../../src/media/storage/storage.js';
import { localStaging } from '../../../src/photos/upload/staging.js';
import { withBearer, createToken } from '../../api/api-client.js';
import { createShare } from '../../shares/share-fixtures.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { fieldErrors } from '../../support/assertions.js';
import { clientWithOwnAddress, STRONG_PASSWORD, TestClient } from '../../support/client.js';
import { DIALECTS } from '../../support/databases.js';
import { uploadProcessed } from '../../support/photos.js';
import { enableTwoFactor, totpCode } from '../../support/two-factor.js';
import { filesOf, insertStoredPhotos, mediaFiles, newAccount } from './account-data-fixtures.js';

const NEVER_CACHE = 'max-age=0, no-cache, no-store, must-revalidate, private';
const INVALID_LOGIN = 'Please enter a correct username and password. Note that both fields may be case-sensitive.';
const silentLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as never;

function jobFor(userId: string): QueuedJob {
  const spec = deleteAccountJob(userId);
  return { id: spec.id, kind: spec.kind, photo_id: null, payload: spec.payload ?? '{}', attempts: 1, max_attempts: spec.maxAttempts, created_at: Date.now() };
}

describe.each(DIALECTS)('account deletion (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, { LOGIN_ACCOUNT_MAX_FAILURES: '4', LOGIN_ADDRESS_MAX_FAILURES: '100000' });
  });
  afterAll(() => t.close());
  afterEach(() => vi.useRealTimers());

  const photoIdsOf = async (userId: string) => (await t.db.selectFrom('photos').select('id').where('owner_id', '=', userId).execute()).map((r) => r.id);
  const loginAnswer = async (username: string, password = STRONG_PASSWORD) => {
    const res = await clientWithOwnAddress(t.app, 32).login(username, password);
    return { status: res.statusCode, errors: fieldErrors(res.body, 'login-errors') };
  };

  it('explains what goes on a never-cached page with a CSRF-protected password form; anonymous visitors go to log in', async () => {
    const { client } = await newAccount(t, 'del_page');
    const page = await client.get('/accounts/delete/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe(NEVER_CACHE);
    expect(page.body).toMatch(/<form method="post" action="\/accounts\/delete\/"[^>]*>\s*<input type="hidden" name="_csrf"/);
    expect(page.body).toContain('name="password"');
    expect(page.body).not.toContain('name="code"');
    expect(page.body).toContain('cannot be undone');
    expect(page.body).toContain('share links');
    const anonymous = await new TestClient(t.app).get('/accounts/delete/');
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/accounts/login/?next=%2Faccounts%2Fdelete%2F');
  });

  it('deletes everything: sessions and tokens end at once, login fails like a wrong password, the job removes every file and row', async () => {
    const { client, userId } = await newAccount(t, 'del_full');
    const { client: other, userId: otherId } = await newAccount(t, 'del_bystander');
    const kept = await uploadProcessed(t, other);
    const photoA = await uploadProcessed(t, client);
    const photoB = await uploadProcessed(t, client);
    const album = await client.submit('/albums/', { name: 'Trip' });
    expect(album.statusCode).toBe(303);
    const share = await createShare(client, photoA);
    expect(share.token).not.toBe('');
    const token = await createToken(client, 'script');
    const phone = clientWithOwnAddress(t.app, 33);
    expect((await phone.login('del_full')).statusCode).toBe(303);
    expect(await filesOf(t, [photoA, photoB])).toHaveLength(6);

    // Hold the worker so the state between the request and the job can be seen.
    await t.app.jobWorker.stop();
    try {
      const res = await client.submit('/accounts/delete/', { password: STRONG_PASSWORD, code: '' });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/accounts/login/');
      expect(client.cookies.has('pv_session')).toBe(false);
      const loginPage = await client.get('/accounts/login/');
      expect(loginPage.body).toContain('Your account has been deleted');

      // At once, before the job: no session, no token, no login, no share link.
      expect((await phone.get('/photos/')).statusCode).toBe(303);
      expect((await withBearer(t, token.token, { url: '/api/v1/me' })).statusCode).toBe(401);
      const refused = await loginAnswer('del_full');
      const wrong = await loginAnswer('del_bystander', 'not the password at all');
      expect(refused.status).toBe(401);
      expect(refused).toEqual(wrong);
      expect(refused.errors).toEqual([INVALID_LOGIN]);
      const marked = await t.db.selectFrom('users').select(['deleted_at', 'disabled_at']).where('id', '=', userId).executeTakeFirstOrThrow();
      expect(Number(marked.deleted_at)).toBeGreaterThan(0);
      // Password reset looks accounts up by address: a deleted one is never found (no mail, no link).
      expect(await createUserRepository(t.db).findByEmail('del_full@example.com')).toEqual([]);
      const queued = await t.db.selectFrom('jobs').select('status').where('id', '=', `delete-account-${userId}`).executeTakeFirst();
      expect(queued?.status).toBe('queued');
    } finally {
      await t.app.jobWorker.start();
    }
    await t.app.jobWorker.drain();
    expect(await filesOf(t, [photoA, photoB])).toEqual([]);
    expect(await photoIdsOf(userId)).toEqual([]);
    for (const table of ['albums', 'share_links'] as const) {
      expect(await t.db.selectFrom(table).select('id').where('owner_id', '=', userId).execute()).toEqual([]);
    }
    for (const table of ['sessions', 'api_tokens', 'recovery_codes'] as const) {
      expect(await t.db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()).toEqual([]);
    }
    expect((await new TestClient(t.app).get(`/s/${share.token}/`)).statusCode).toBe(404);
    // The tombstone: same id and username, nothing else.
    const tombstone = await t.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    expect(tombstone).toMatchObject({ username: 'del_full', email: '', password_hash: '', totp_secret: '' });
    expect(Number(tombstone.purged_at)).toBeGreaterThan(0);
    // The username stays taken; the bystander keeps everything.
    const again = await clientWithOwnAddress(t.app, 34).signup('del_full');
    expect(again.statusCode).toBe(400);
    expect(again.body).toContain('A user with that username already exists.');
    expect(await loginAnswer('del_full')).toEqual({ status: 401, errors: [INVALID_LOGIN] });
    expect(await photoIdsOf(otherId)).toEqual([kept]);
    expect(await filesOf(t, [kept])).toHaveLength(3);
    // Administration cannot revive it: enable, promote and a password reset find no such user.
    const admin = createUserAdminService({ repository: createAdminRepository(t.db), audit: createAuditLog(createAuditRepository(t.db)), hasher: createPasswordHasher(t.config.argon2), endSessions: async () => 0, resetTwoFactor: async () => {}, setQuota: async () => true });
    const actor = { party: { name: 'cli' } };
    for (const outcome of [await admin.enable(userId, actor), await admin.promote(userId, actor), await admin.resetPassword(userId, actor)]) expect(outcome).toMatchObject({ ok: false, reason: 'no_such_user' });
    expect(await loginAnswer('del_full')).toEqual({ status: 401, errors: [INVALID_LOGIN] });
    // Audit rows keep the user's id.
    const events = (await t.db.selectFrom('audit_log').select('event').where('target_id', '=', userId).execute()).map((r) => r.event);
    expect(events).toEqual(expect.arrayContaining(['account_deletion_requested', 'account_deleted']));
  });

  it('refuses a wrong password, a missing CSRF token and a stolen session guessing passwords (login throttle)', async () => {
    const { client, userId } = await newAccount(t, 'del_guess');
    const wrong = await client.submit('/accounts/delete/', { password: 'wrong password here' });
    expect(wrong.statusCode).toBe(400);
    expect(fieldErrors(wrong.body, 'password-errors')).toEqual(['Your password was entered incorrectly. Please enter it again.']);
    const noCsrf = await client.post('/accounts/delete/', { password: STRONG_PASSWORD });
    expect(noCsrf.statusCode).toBe(403);
    const forged = await client.post('/accounts/delete/', { _csrf: 'forged-token', password: STRONG_PASSWORD });
    expect(forged.statusCode).toBe(403);
    for (let i = 0; i < 4; i++) await client.submit('/accounts/delete/', { password: `guess number ${i} is wrong` });
    const locked = await client.submit('/accounts/delete/', { password: STRONG_PASSWORD });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
    const user = await t.db.selectFrom('users').select(['deleted_at']).where('id', '=', userId).executeTakeFirstOrThrow();
    expect(Number(user.deleted_at)).toBe(0);
    expect((await client.get('/photos/')).statusCode).toBe(200);
    const refusals = await t.db.selectFrom('audit_log').select('detail').where('target_id', '=', userId).where('event', '=', 'account_deletion_refused').execute();
    expect(refusals.length).toBeGreaterThanOrEqual(5);
  });

  it('needs a code with two-factor login on: missing, wrong and replayed codes are refused; a current TOTP code or a recovery code works', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const { client, userId } = await newAccount(t, 'del_totp');
    const { secret, recoveryCodes } = await enableTwoFactor(client);
    const page = await client.get('/accounts/delete/');
    expect(page.body).toContain('name="code"');
    const missing = await client.submit('/accounts/delete/', { password: STRONG_PASSWORD, code: '' });
    expect(missing.statusCode).toBe(400);
    expect(fieldErrors(missing.body, 'code-errors')[0]).toContain('Enter a code');
    const bad = await client.submit('/accounts/delete/', { password: STRONG_PASSWORD, code: '000000' });
    expect(bad.statusCode).toBe(400);
    // The code that confirmed setup cannot be used again (same time step).
    const replay = await client.submit('/accounts/delete/', { password: STRONG_PASSWORD, code: totpCode(secret) });
    expect(replay.statusCode).toBe(400);
    const injection = await client.submit('/accounts/delete/', { password: STRONG_PASSWORD, code: "' OR '1'='1" });
    expect(injection.statusCode).toBe(400);
    expect(Number((await t.db.selectFrom('users').select('deleted_at').where('id', '=', userId).executeTakeFirstOrThrow()).deleted_at)).toBe(0);
    vi.setSystemTime(Date.now() + 30_000);
    const ok = await client.submit('/accounts/delete/', { password: STRONG_PASSWORD, code: totpCode(secret) });
    expect(ok.statusCode).toBe(303);

    const second = await newAccount(t, 'del_recovery');
    const codes = await enableTwoFactor(second.client);
    const withRecovery = await second.client.submit('/accounts/delete/', { password: STRONG_PASSWORD, code: codes.recoveryCodes[0]! });
    expect(withRecovery.statusCode).toBe(303);
    expect(recoveryCodes.length).toBe(10);
    await t.app.jobWorker.drain();
    for (const id of [userId, second.userId]) {
      const row = await t.db.selectFrom('users').select(['totp_secret', 'totp_enabled_at', 'purged_at']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.totp_secret).toBe('');
      expect(Number(row.totp_enabled_at)).toBe(0);
      expect(Number(row.purged_at)).toBeGreaterThan(0);
    }
  });

  it('refuses the last admin with a clear error, and lets an admin go once another admin exists', async () => {
    const { client, userId } = await newAccount(t, 'del_admin');
    await t.db.updateTable('users').set({ role: 'user' }).where('role', '=', 'admin').execute();
    await t.db.updateTable('users').set({ role: 'admin' }).where('id', '=', userId).execute();
    const refused = await client.submit('/accounts/delete/', { password: STRONG_PASSWORD });
    expect(refused.statusCode).toBe(409);
    expect(fieldErrors(refused.body, 'form-errors')).toEqual(['You are the only administrator. Make another user an administrator before deleting your account.']);
    const { userId: secondAdmin } = await newAccount(t, 'del_admin2');
    await t.db.updateTable('users').set({ role: 'admin' }).where('id', '=', secondAdmin).execute();
    expect((await client.submit('/accounts/delete/', { password: STRONG_PASSWORD })).statusCode).toBe(303);
    await t.app.jobWorker.drain();
  });

  it('a job that crashed mid-way finishes on its next run, removes every file, and is a no-op after that', async () => {
    const { userId } = await newAccount(t, 'del_crash');
    const ids = await insertStoredPhotos(t, userId, 12, 2_000);
    const album = await t.db.insertInto('albums').values({ id: 'a'.repeat(32), owner_id: userId, name: 'x', cover_photo_id: ids[0]!, created_at: 1, updated_at: 1 }).execute();
    expect(album).toBeDefined();
    await t.db.updateTable('users').set({ deleted_at: Date.now(), disabled_at: Date.now() }).where('id', '=', userId).execute();
    const real = await LocalStorage.open(path.join(t.config.dataDir, 'media'));
    let deletes = 0;
    const crashing: MediaStorage = Object.assign(Object.create(real) as MediaStorage, {
      async delete(key: string) {
        if (++deletes > 17) throw new Error('simulated crash');
        await real.delete(key);
      },
    });
    const deps = { repository: createAccountDeletionRepository(t.db), staging: localStaging(path.join(t.config.dataDir, 'uploads')), audit: createAuditLog(createAuditRepository(t.db)), log: silentLog };
    await expect(createDeleteAccountJob({ ...deps, storage: crashing }).run(jobFor(userId))).rejects.toThrow('simulated crash');
    expect((await filesOf(t, ids)).length).toBeGreaterThan(0);
    expect((await filesOf(t, ids)).length).toBeLessThan(12);

    const job = createDeleteAccountJob({ ...deps, storage: real });
    await job.run(jobFor(userId));
    expect(await filesOf(t, ids)).toEqual([]);
    expect(await photoIdsOf(userId)).toEqual([]);
    const before = await t.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
    await job.run(jobFor(userId));
    expect(await t.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow()).toEqual(before);
    // A user never marked, or an unknown id: nothing happens.
    const { userId: alive } = await newAccount(t, 'del_alive');
    await job.run(jobFor(alive));
    await job.run(jobFor('no-such-user'));
    expect(await t.db.selectFrom('users').select('purged_at').where('id', '=', alive).executeTakeFirstOrThrow()).toEqual({ purged_at: expect.anything() });
    expect(Number((await t.db.selectFrom('users').select('purged_at').where('id', '=', alive).executeTakeFirstOrThrow()).purged_at)).toBe(0);
    expect(await mediaFiles(t)).not.toContain(`${ids[0]}/original`);
  });
});

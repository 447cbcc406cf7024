import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTwoFactorRepository, type TwoFactorRepository } from '../../../src/accounts/two-factor/two-factor-repository.js';
import { createAuditRepository } from '../../../src/audit/audit-repository.js';
import { DIALECTS, openMigratedDatabase } from '../../support/databases.js';

describe.each(DIALECTS)('two-factor and audit repositories (%s)', (dialect) => {
  let opened: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let repository: TwoFactorRepository;

  beforeAll(async () => {
    opened = await openMigratedDatabase(dialect);
    repository = createTwoFactorRepository(opened.db);
    await opened.db.insertInto('users').values({ id: 'u1', username: 'u1', username_key: 'u1', email: 'u1@example.com', password_hash: 'x', created_at: 1, password_changed_at: 1 }).execute();
    await repository.setPendingSecret('u1', 'sealed');
    expect(await repository.enable('u1', 'sealed', 100, ['h1', 'h2'], 5)).toBe(true);
  });
  afterAll(() => opened.close());

  it('a secret awaiting confirmation cannot replace an enabled one, nor be enabled twice', async () => {
    await repository.setPendingSecret('u1', 'other');
    expect((await repository.findState('u1'))?.totp_secret).toBe('sealed');
    expect(await repository.enable('u1', 'sealed', 101, ['h3'], 6)).toBe(false);
    expect(await repository.countUnusedRecoveryCodes('u1')).toBe(2);
  });

  it('of concurrent claims of one time step exactly one wins; older steps always lose', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => repository.claimStep('u1', 101)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repository.claimStep('u1', 100)).toBe(false);
    expect(await repository.claimStep('u1', 102)).toBe(true);
  });

  it('of concurrent uses of one recovery code exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => repository.useRecoveryCode('u1', 'h1', 7)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repository.useRecoveryCode('u1', 'nope', 7)).toBe(false);
    expect(await repository.countUnusedRecoveryCodes('u1')).toBe(1);
  });

  it('a challenge is deleted once; disable removes secret, codes and challenges', async () => {
    await repository.insertChallenge({ id_hash: 'c1', user_id: 'u1', next: '/', created_at: 1, expires_at: Date.now() + 60_000 });
    expect(await repository.findChallenge('c1')).toMatchObject({ user_id: 'u1', username: 'u1', next: '/' });
    const deleted = await Promise.all([repository.deleteChallenge('c1'), repository.deleteChallenge('c1')]);
    expect(deleted.filter(Boolean)).toHaveLength(1);
    await repository.insertChallenge({ id_hash: 'c2', user_id: 'u1', next: '/', created_at: 1, expires_at: 2 });
    expect(await repository.deleteExpiredChallenges(3)).toBe(1);
    await repository.insertChallenge({ id_hash: 'c3', user_id: 'u1', next: '/', created_at: 1, expires_at: Date.now() + 60_000 });
    await repository.disable('u1');
    expect(await repository.findState('u1')).toEqual({ totp_secret: '', totp_enabled_at: 0, totp_last_step: 0 });
    expect(await repository.countUnusedRecoveryCodes('u1')).toBe(0);
    expect(await repository.findChallenge('c3')).toBeUndefined();
  });

  it('the audit log filters by event and by user, newest first, and pages', async () => {
    const audit = createAuditRepository(opened.db);
    const base = { actor_id: '', actor_name: '', target_id: '', target_name: '', ip: '127.0.0.1', request_id: 'r', detail: '' };
    await audit.insert({ ...base, id: 'a1', at: 10, event: 'login_failed', target_name: "o'brien%" });
    await audit.insert({ ...base, id: 'a2', at: 20, event: 'login_succeeded', actor_id: 'u1', target_id: 'u1', target_name: 'u1' });
    await audit.insert({ ...base, id: 'a3', at: 30, event: 'user_disabled', actor_id: 'admin', target_id: 'u1' });
    expect((await audit.list({ limit: 10, offset: 0 })).map((e) => e.id)).toEqual(['a3', 'a2', 'a1']);
    expect((await audit.list({ limit: 1, offset: 1 })).map((e) => e.id)).toEqual(['a2']);
    expect((await audit.list({ event: 'login_failed', limit: 10, offset: 0 })).map((e) => e.id)).toEqual(['a1']);
    expect((await audit.list({ userId: 'u1', limit: 10, offset: 0 })).map((e) => e.id)).toEqual(['a3', 'a2']);
    expect((await audit.list({ userName: "o'brien%", limit: 10, offset: 0 })).map((e) => e.id)).toEqual(['a1']);
    expect(await audit.list({ userName: '%', limit: 10, offset: 0 })).toEqual([]);
  });
});

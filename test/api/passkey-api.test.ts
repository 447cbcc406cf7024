import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { STRONG_PASSWORD } from '../support/client.js';
import { DIALECTS } from '../support/databases.js';
import { registerPasskey } from '../support/passkeys.js';
import { enableTwoFactor, totpCode } from '../support/two-factor.js';
import { API_TEST_ENV, createToken, expectProblem, signedIn, withBearer } from './api-client.js';

describe.each(DIALECTS)('passkeys and two-factor status in the API (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(dialect, API_TEST_ENV);
  });
  afterAll(() => t.close());

  it('lists the passkeys and the second factors; removes one with the password; others’ ids are 404', async () => {
    const alice = await signedIn(t, 'api_pk_alice');
    await registerPasskey(alice, 'Laptop');
    await registerPasskey(alice, 'Phone');
    const bob = await signedIn(t, 'api_pk_bob');
    await registerPasskey(bob, 'Bob key');
    const token = (await createToken(alice, 'passkeys')).token;
    const bobToken = (await createToken(bob, 'passkeys')).token;

    const status = await withBearer(t, token, { url: '/api/v1/account/two-factor' });
    expect(status.json()).toEqual({ totp: false, unused_recovery_codes: 0, passkeys: 2 });
    const list = await withBearer(t, token, { url: '/api/v1/account/passkeys' });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as { id: string; name: string; last_used_at: string | null }[];
    expect(items.map((p) => p.name)).toEqual(['Laptop', 'Phone']);
    expect(items[0]!.last_used_at).toBeNull();

    const first = items[0]!.id;
    // Bob cannot see or remove Alice's passkey, even with her password.
    expectProblem(await withBearer(t, bobToken, { method: 'DELETE', url: `/api/v1/account/passkeys/${first}`, body: { password: STRONG_PASSWORD } }), 404, 'not_found');
    // Confirmation is required: nothing, or a wrong password, is refused.
    expectProblem(await withBearer(t, token, { method: 'DELETE', url: `/api/v1/account/passkeys/${first}`, body: {} }), 400, 'validation_failed');
    expectProblem(await withBearer(t, token, { method: 'DELETE', url: `/api/v1/account/passkeys/${first}`, body: { password: 'wrong wrong wrong' } }), 400, 'validation_failed');
    expectProblem(await withBearer(t, token, { method: 'DELETE', url: `/api/v1/account/passkeys/${first}`, body: { password: STRONG_PASSWORD, extra: 1 } }), 400, 'validation_failed');
    expectProblem(await withBearer(t, token, { method: 'DELETE', url: '/api/v1/account/passkeys/not-an-id', body: { password: STRONG_PASSWORD } }), 400, 'validation_failed');
    expect((await withBearer(t, token, { method: 'DELETE', url: `/api/v1/account/passkeys/${first}`, body: { password: STRONG_PASSWORD } })).statusCode).toBe(204);
    expectProblem(await withBearer(t, token, { method: 'DELETE', url: `/api/v1/account/passkeys/${first}`, body: { password: STRONG_PASSWORD } }), 404, 'not_found');
    expect((await withBearer(t, token, { url: '/api/v1/account/passkeys' })).json().items).toHaveLength(1);
    expect((await withBearer(t, bobToken, { url: '/api/v1/account/passkeys' })).json().items.map((p: { name: string }) => p.name)).toEqual(['Bob key']);
    const audit = await t.db.selectFrom('audit_log').select('event').where('target_name', '=', 'api_pk_alice').where('event', '=', 'passkey_removed').execute();
    expect(audit).toHaveLength(1);
  });

  it('with TOTP on, a current code confirms a removal; the status counts both factors', async () => {
    const carol = await signedIn(t, 'api_pk_carol');
    const { secret } = await enableTwoFactor(carol);
    await registerPasskey(carol, 'Key');
    const token = (await createToken(carol, 'passkeys')).token;
    expect((await withBearer(t, token, { url: '/api/v1/account/two-factor' })).json()).toEqual({ totp: true, unused_recovery_codes: 10, passkeys: 1 });
    const id = (await withBearer(t, token, { url: '/api/v1/account/passkeys' })).json().items[0].id as string;
    expect((await withBearer(t, token, { method: 'DELETE', url: `/api/v1/account/passkeys/${id}`, body: { code: totpCode(secret, Date.now() + 30_000) } })).statusCode).toBe(204);
  });

  it('needs authentication', async () => {
    for (const url of ['/api/v1/account/two-factor', '/api/v1/account/passkeys']) {
      expect((await t.app.inject({ url })).statusCode).toBe(401);
    }
  });
});

import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { hashRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from '../../../src/accounts/two-factor/recovery-codes.js';
import { createSecretBox } from '../../../src/accounts/two-factor/secret-box.js';
import { matchTotpStep, newTotpSecret, totpUri } from '../../../src/accounts/two-factor/totp.js';

const KEY = 'k'.repeat(40);
// RFC 6238 appendix B's SHA-1 seed ("12345678901234567890") and its published 8-digit values, here as 6 digits.
const RFC_SECRET = Secret.fromUTF8('12345678901234567890').base32;
const appCode = (secret: string, atMs: number) => new TOTP({ secret: Secret.fromBase32(secret) }).generate({ timestamp: atMs });

describe('TOTP (RFC 6238)', () => {
  it('accepts the RFC test vectors at their times and names their time step', () => {
    expect(matchTotpStep(RFC_SECRET, '287082', 59_000)).toBe(1);
    expect(matchTotpStep(RFC_SECRET, '081804', 1_111_111_109_000)).toBe(37_037_036);
    expect(matchTotpStep(RFC_SECRET, '005924', 1_234_567_890_000)).toBe(41_152_263);
  });

  it('accepts a code from an app one step either side, and nothing further', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000_000;
    const step = Math.floor(now / 30_000);
    expect(matchTotpStep(secret, appCode(secret, now), now)).toBe(step);
    expect(matchTotpStep(secret, appCode(secret, now - 30_000), now)).toBe(step - 1);
    expect(matchTotpStep(secret, appCode(secret, now + 30_000), now)).toBe(step + 1);
    expect(matchTotpStep(secret, appCode(secret, now + 90_000), now)).toBeNull();
    expect(matchTotpStep(secret, appCode(secret, now - 90_000), now)).toBeNull();
  });

  it('refuses anything that is not six ASCII digits', () => {
    const secret = newTotpSecret();
    const code = appCode(secret, 0);
    for (const bad of ['', code.slice(1), `${code}0`, ` ${code}`, code.replace(/\d/g, (d) => String.fromCodePoint(0xff10 + Number(d))), 'abcdef']) {
      expect(matchTotpStep(secret, bad, 0)).toBeNull();
    }
  });

  it('makes 160-bit secrets and an otpauth URI with issuer and account', () => {
    const secret = newTotpSecret();
    expect(Secret.fromBase32(secret).bytes.length).toBe(20);
    expect(newTotpSecret()).not.toBe(secret);
    expect(totpUri(secret, 'alice')).toMatch(new RegExp(`^otpauth://totp/photovault:alice\\?issuer=photovault&secret=${secret}&`));
  });
});

describe('recovery codes', () => {
  it('are ten distinct codes that normalise and hash stably', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
      expect(normalizeRecoveryCode(` ${code.toUpperCase()} `)).toBe(code.replace(/-/g, ''));
      expect(hashRecoveryCode(normalizeRecoveryCode(code)!)).toMatch(/^[0-9a-f]{64}$/);
    }
    for (const bad of ['', 'abcd-efgh', 'abcd-efgh-ijkl', '0000-0000-0000', 'abcd-efgh-jkmn-pqrs']) expect(normalizeRecoveryCode(bad)).toBeNull();
  });
});

describe('secret box (AES-256-GCM under a key derived from SECRET_KEY)', () => {
  it('round-trips and never shows the plaintext', () => {
    const box = createSecretBox(KEY, 'totp secret');
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]+$/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses tampered values, another key, another purpose and garbage', () => {
    const box = createSecretBox(KEY, 'totp secret');
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    const [v, iv, body] = sealed.split('.') as [string, string, string];
    const flipped = body.slice(0, 5) + (body[5] === 'A' ? 'B' : 'A') + body.slice(6);
    expect(box.open(`${v}.${iv}.${flipped}`)).toBeNull();
    expect(createSecretBox('z'.repeat(40), 'totp secret').open(sealed)).toBeNull();
    expect(createSecretBox(KEY, 'other purpose').open(sealed)).toBeNull();
    for (const garbage of ['', 'v1', 'v1..', 'v2.a.b', `${sealed}.x`, 'v1.AAAA.AAAA']) expect(box.open(garbage)).toBeNull();
  });
});

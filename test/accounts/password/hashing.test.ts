import { describe, it, expect } from 'vitest';
import { hash as argon2Hash, type Algorithm } from '@node-rs/argon2';
import { createPasswordHasher } from '../../../src/accounts/password/hashing.js';

// OWASP Password Storage Cheat Sheet minimum for Argon2id.
const owaspMinimum = { memoryKiB: 19456, iterations: 2, parallelism: 1 };
const hasher = createPasswordHasher(owaspMinimum);
const password = 'velvet otter quantum marmalade';

describe('createPasswordHasher', () => {
  it('produces an argon2id PHC string carrying the parameters', async () => {
    const stored = await hasher.hash(password);
    expect(stored.startsWith('$argon2id$v=19$m=19456,t=2,p=1$')).toBe(true);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash(password)).not.toBe(await hasher.hash(password));
  });

  it('verifies the right password and rejects wrong ones', async () => {
    const stored = await hasher.hash(password);
    expect(await hasher.verify(stored, password)).toBe(true);
    expect(await hasher.verify(stored, 'velvet otter quantum marmalada')).toBe(false);
    expect(await hasher.verify(stored, ` ${password}`)).toBe(false);
    expect(await hasher.verify(stored, password.toUpperCase())).toBe(false);
    expect(await hasher.verify(stored, '')).toBe(false);
  });

  it('round-trips non-ASCII passwords', async () => {
    const unicodePassword = 'ВеселыйКот🐟 ünïcödé';
    const stored = await hasher.hash(unicodePassword);
    expect(await hasher.verify(stored, unicodePassword)).toBe(true);
    expect(await hasher.verify(stored, 'ВеселыйКот🐠 ünïcödé')).toBe(false);
  });

  it('returns false instead of throwing on malformed stored hashes', async () => {
    const stored = await hasher.hash(password);
    const malformed = [
      '',
      'garbage',
      '!unusable',
      '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
      stored.slice(0, -10),
      stored.slice(0, stored.lastIndexOf('$')),
      '$argon2id$v=19$m=19456,t=2,p=1$',
      '$argon2id$v=19$m=19456,t=2,p=1$!!!!$!!!!',
      `${stored.slice(0, -4)}AAAA`,
      undefined as unknown as string,
      null as unknown as string,
    ];
    for (const storedHash of malformed) {
      await expect(hasher.verify(storedHash, password)).resolves.toBe(false);
    }
  });

  it('still verifies legacy argon2i hashes but asks for a rehash', async () => {
    const legacy = await argon2Hash(password, { algorithm: 1 as Algorithm, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(legacy.startsWith('$argon2i$')).toBe(true);
    expect(await hasher.verify(legacy, password)).toBe(true);
    expect(hasher.needsRehash(legacy)).toBe(true);
  });

  describe('needsRehash', () => {
    it('is false when the stored parameters equal the configured ones', async () => {
      expect(hasher.needsRehash(await hasher.hash(password))).toBe(false);
    });

    it('is true when any configured parameter rises', async () => {
      const stored = await hasher.hash(password);
      expect(createPasswordHasher({ ...owaspMinimum, memoryKiB: 47104 }).needsRehash(stored)).toBe(true);
      expect(createPasswordHasher({ ...owaspMinimum, iterations: 3 }).needsRehash(stored)).toBe(true);
      expect(createPasswordHasher({ ...owaspMinimum, parallelism: 2 }).needsRehash(stored)).toBe(true);
    });

    it('is false when the configuration is lowered (never downgrade)', async () => {
      const stronger = await createPasswordHasher({ memoryKiB: 19456, iterations: 3, parallelism: 1 }).hash(password);
      expect(hasher.needsRehash(stronger)).toBe(false);
    });

    it('is true for other algorithms, older versions and unparsable strings', () => {
      expect(hasher.needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toBe(true);
      expect(hasher.needsRehash('$argon2d$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toBe(true);
      expect(hasher.needsRehash('$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toBe(true);
      expect(hasher.needsRehash('$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW')).toBe(true);
      expect(hasher.needsRehash('')).toBe(true);
    });
  });

  describe('verifyAgainstDummy', () => {
    it('always resolves false, even for an empty password', async () => {
      await expect(hasher.verifyAgainstDummy(password)).resolves.toBe(false);
      await expect(hasher.verifyAgainstDummy('')).resolves.toBe(false);
    });

    it('really runs Argon2', async () => {
      await hasher.verifyAgainstDummy('warm up the dummy hash');
      const started = performance.now();
      await hasher.verifyAgainstDummy(password);
      expect(performance.now() - started).toBeGreaterThan(1);
    });

    it('costs about as much as verifying a real hash', async () => {
      const stored = await hasher.hash(password);
      await hasher.verifyAgainstDummy('warm up');
      const time = async (run: () => Promise<boolean>): Promise<number> => {
        const started = performance.now();
        for (let i = 0; i < 3; i += 1) await run();
        return performance.now() - started;
      };
      const real = await time(() => hasher.verify(stored, 'wrong password here'));
      const dummy = await time(() => hasher.verifyAgainstDummy('wrong password here'));
      // Loose bound: only guards against the dummy path skipping Argon2 or using other parameters.
      expect(dummy).toBeGreaterThan(real / 5);
    });

    it('makes a malformed stored hash cost a full Argon2 verification too', async () => {
      await hasher.verifyAgainstDummy('warm up');
      const started = performance.now();
      await hasher.verify('garbage', password);
      expect(performance.now() - started).toBeGreaterThan(1);
    });

    it('handles concurrent first calls on a fresh hasher', async () => {
      const fresh = createPasswordHasher(owaspMinimum);
      const results = await Promise.all([1, 2, 3].map((n) => fresh.verifyAgainstDummy(`attempt ${n}`)));
      expect(results).toEqual([false, false, false]);
    });
  });

  it('rejects invalid Argon2 parameters at construction', () => {
    expect(() => createPasswordHasher({ ...owaspMinimum, memoryKiB: 0 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ memoryKiB: 16, iterations: 2, parallelism: 4 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ ...owaspMinimum, iterations: 0 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ ...owaspMinimum, iterations: 1.5 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ ...owaspMinimum, parallelism: 0 })).toThrow(RangeError);
    expect(() => createPasswordHasher({ ...owaspMinimum, parallelism: 256 })).toThrow(RangeError);
  });
});

import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { parseArgon2Phc } from './argon2-phc.js';

export interface Argon2Options {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(storedHash: string, password: string): Promise<boolean>;
  needsRehash(storedHash: string): boolean;
  verifyAgainstDummy(password: string): Promise<false>;
}

// @node-rs/argon2 declares Algorithm as an ambient const enum, which TypeScript refuses to
// inline under verbatimModuleSyntax/isolatedModules (TS2748), and its runtime export is an
// empty object; so the value of Algorithm.Argon2id is pinned here (asserted by the tests).
const ARGON2ID = 2 as Algorithm;
// Argon2 version 1.3 (0x13), written as v=19 in PHC strings; RFC 9106 3.1.
const ARGON2_VERSION = 19;

function assertValidOptions({ memoryKiB, iterations, parallelism }: Argon2Options): void {
  // RFC 9106 3.1: p in 1..2^24-1 (the binding allows 1..255), m >= 8 * p KiB, t >= 1.
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 255) {
    throw new RangeError('Argon2 parallelism must be an integer from 1 to 255.');
  }
  if (!Number.isInteger(memoryKiB) || memoryKiB < 8 * parallelism || memoryKiB > 0xffffffff) {
    throw new RangeError('Argon2 memoryKiB must be an integer of at least 8 * parallelism.');
  }
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 0xffffffff) {
    throw new RangeError('Argon2 iterations must be a positive integer.');
  }
}

// ASVS 5.0 11.4.2: passwords are stored with a memory-hard password hashing function (Argon2id,
// RFC 9106; OWASP Password Storage Cheat Sheet minimum m=19456 KiB, t=2, p=1), salted per hash
// by the library, with the parameters kept in the PHC string so they can be raised later.
export function createPasswordHasher(options: Argon2Options): PasswordHasher {
  assertValidOptions(options);
  const argon2Options: Options = {
    algorithm: ARGON2ID,
    memoryCost: options.memoryKiB,
    timeCost: options.iterations,
    parallelism: options.parallelism,
  };

  let dummyHash: Promise<string> | undefined;

  // A hash of a random secret nobody knows, made once with the configured parameters so that
  // verifying against it costs exactly what verifying a real user's hash costs.
  function getDummyHash(): Promise<string> {
    dummyHash ??= hash(randomBytes(32).toString('base64url'), argon2Options).catch((error: unknown) => {
      dummyHash = undefined;
      throw error;
    });
    return dummyHash;
  }

  // ASVS 5.0 6.3.8 / CWE-208: an unknown user (or an unusable stored hash) must take as long as
  // a wrong password, or login timing reveals which accounts exist.
  async function verifyAgainstDummy(password: string): Promise<false> {
    try {
      await verify(await getDummyHash(), password);
    } catch {
      // The outcome is irrelevant: only the time spent matters.
    }
    return false;
  }

  return {
    hash(password: string): Promise<string> {
      return hash(password, argon2Options);
    },

    async verify(storedHash: string, password: string): Promise<boolean> {
      // A malformed or foreign stored hash never matches and never throws; it still pays the
      // full Argon2 cost so it is indistinguishable from a wrong password.
      if (typeof storedHash !== 'string' || parseArgon2Phc(storedHash) === null) {
        return verifyAgainstDummy(password);
      }
      try {
        return await verify(storedHash, password);
      } catch {
        return verifyAgainstDummy(password);
      }
    },

    // Rehash on the next successful login when the stored hash is weaker than the current
    // configuration (OWASP Password Storage Cheat Sheet, "Upgrading the work factor").
    needsRehash(storedHash: string): boolean {
      const stored = typeof storedHash === 'string' ? parseArgon2Phc(storedHash) : null;
      if (stored === null || stored.algorithm !== 'argon2id') return true;
      return (
        stored.version < ARGON2_VERSION ||
        stored.memoryKiB < options.memoryKiB ||
        stored.iterations < options.iterations ||
        stored.parallelism < options.parallelism
      );
    },

    verifyAgainstDummy,
  };
}

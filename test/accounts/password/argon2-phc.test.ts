import { describe, it, expect } from 'vitest';
import { parseArgon2Phc } from '../../../src/accounts/password/argon2-phc.js';

describe('parseArgon2Phc', () => {
  it('reads algorithm, version and cost parameters', () => {
    expect(parseArgon2Phc('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaA')).toEqual({
      algorithm: 'argon2id',
      version: 19,
      memoryKiB: 19456,
      iterations: 2,
      parallelism: 1,
    });
    expect(parseArgon2Phc('$argon2i$v=16$m=4096,t=3,p=4$c2FsdA$aGFzaA')?.algorithm).toBe('argon2i');
  });

  it('returns null for anything else', () => {
    for (const encoded of [
      '',
      'garbage',
      '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
      '$argon2id$m=19456,t=2,p=1$c2FsdA$aGFzaA',
      '$argon2id$v=19$t=2,m=19456,p=1$c2FsdA$aGFzaA',
      '$argon2id$v=19$m=19456,t=2',
      '$argon2x$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
      ' $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    ]) {
      expect(parseArgon2Phc(encoded)).toBeNull();
    }
  });
});

// Reads the algorithm and cost parameters from an Argon2 PHC string
// ($argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>, see the PHC string format and RFC 9106).
export interface Argon2PhcParameters {
  algorithm: string;
  version: number;
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

const ARGON2_PHC_PREFIX = /^\$(argon2(?:id|i|d))\$v=(\d{1,10})\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$/;

export function parseArgon2Phc(encoded: string): Argon2PhcParameters | null {
  const match = ARGON2_PHC_PREFIX.exec(encoded);
  if (match === null) return null;
  const [, algorithm, version, memoryKiB, iterations, parallelism] = match;
  if (
    algorithm === undefined ||
    version === undefined ||
    memoryKiB === undefined ||
    iterations === undefined ||
    parallelism === undefined
  ) {
    return null;
  }
  return {
    algorithm,
    version: Number(version),
    memoryKiB: Number(memoryKiB),
    iterations: Number(iterations),
    parallelism: Number(parallelism),
  };
}

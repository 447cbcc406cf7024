import { describe, expect, it } from 'vitest';

/**
 * A suite that needs something from outside the repository (a daemon, a browser, data). When
 * `missing` names what is absent: under CI (CI set) a test fails saying so — CI installs all of
 * it, so absence is a broken CI, never a silent skip; elsewhere the suite is skipped with the
 * reason in its name and a warning, so `npm test` shows why.
 */
export function describeWith(missing: string | null, name: string, body: () => void): void {
  if (missing === null) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    it(`${name}: needs ${missing}`, () => expect.fail(`missing under CI: ${missing}`));
    return;
  }
  console.warn(`skipping "${name}": ${missing}`);
  describe.skip(`${name} [skipped: ${missing}]`, body);
}

import { describe, expect, it } from 'vitest';
import { summarizeRss, type RssSample } from '../../scripts/soak/memory.js';

const series = (seconds: number, mbAt: (t: number) => number): RssSample[] => Array.from({ length: seconds / 2 + 1 }, (_, i) => ({ t: i * 2, mb: mbAt(i * 2) }));
const options = { warmupSeconds: 120, windowSeconds: 60, maxGrowth: 0.1 };

describe("the soak's RSS verdict", () => {
  it('is flat when the memory saws up and down around a level after the warm-up', () => {
    // Warm-up from 100 to 280 MB, then a GC sawtooth of ±15 MB around 290.
    const summary = summarizeRss(series(600, (t) => (t < 120 ? 100 + 1.5 * t : 290 + (t % 20 < 10 ? 15 : -15))), options);
    expect(summary.flat).toBe(true);
    expect(Math.abs(summary.growth)).toBeLessThan(0.02);
    expect(summary.maxMb).toBe(305);
    expect(summary.minMb).toBe(275);
  });

  it('is not flat when the memory creeps up by more than 10% (a leak)', () => {
    const summary = summarizeRss(series(600, (t) => (t < 120 ? 200 : 200 + (t - 120) * 0.1)), options);
    expect(summary.flat).toBe(false);
    expect(summary.growth).toBeGreaterThan(0.1);
    expect(summary.firstMb).toBe(200);
    expect(summary.lastMb).toBe(248);
  });

  it('ignores the warm-up, however steep', () => {
    expect(summarizeRss(series(600, (t) => (t < 120 ? 50 + t * 2 : 300)), options).growth).toBe(0);
  });

  it('uses non-overlapping windows on a short run', () => {
    const summary = summarizeRss(series(40, (t) => 100 + t), { ...options, warmupSeconds: 8 });
    expect(summary.windowSeconds).toBe(16);
  });

  it('refuses to judge without samples after the warm-up', () => {
    expect(() => summarizeRss(series(100, () => 100), options)).toThrow(/too few RSS samples/);
  });
});

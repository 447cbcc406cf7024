export interface RssSample {
  /** Seconds since the load started. */
  readonly t: number;
  readonly mb: number;
}

export interface RssSummary {
  readonly samples: number;
  readonly warmupSeconds: number;
  /** Length of the two windows compared: the first after the warm-up and the last. */
  readonly windowSeconds: number;
  /** After the warm-up. */
  readonly firstMb: number;
  readonly lastMb: number;
  readonly minMb: number;
  readonly maxMb: number;
  readonly firstWindowAvgMb: number;
  readonly lastWindowAvgMb: number;
  /** (last window's average - first window's) / first window's. */
  readonly growth: number;
  /** (max after warm-up - first window's average) / first window's average. */
  readonly maxOverFirst: number;
  readonly flat: boolean;
}

/**
 * Is the RSS flat after the warm-up? Compares the average of the last `windowSeconds` with the
 * average of the first `windowSeconds` after the warm-up (averages, so one GC cycle's peak or
 * trough does not decide); flat when the growth is at most `maxGrowth`.
 */
export function summarizeRss(samples: readonly RssSample[], options: { warmupSeconds: number; windowSeconds: number; maxGrowth: number }): RssSummary {
  const measured = samples.filter((s) => s.t >= options.warmupSeconds);
  if (measured.length < 2) throw new Error(`too few RSS samples after the warm-up (${measured.length})`);
  const start = measured[0]?.t ?? 0;
  const end = measured[measured.length - 1]?.t ?? 0;
  // Short runs: the two windows never overlap.
  const windowSeconds = Math.min(options.windowSeconds, (end - start) / 2);
  const first = measured.filter((s) => s.t <= start + windowSeconds);
  const last = measured.filter((s) => s.t >= end - windowSeconds);
  const average = (list: readonly RssSample[]) => list.reduce((sum, s) => sum + s.mb, 0) / list.length;
  const firstWindowAvgMb = average(first);
  const lastWindowAvgMb = average(last);
  const mbs = measured.map((s) => s.mb);
  const maxMb = Math.max(...mbs);
  const growth = (lastWindowAvgMb - firstWindowAvgMb) / firstWindowAvgMb;
  return {
    samples: measured.length,
    warmupSeconds: options.warmupSeconds,
    windowSeconds,
    firstMb: mbs[0] ?? Number.NaN,
    lastMb: mbs[mbs.length - 1] ?? Number.NaN,
    minMb: Math.min(...mbs),
    maxMb,
    firstWindowAvgMb,
    lastWindowAvgMb,
    growth,
    maxOverFirst: (maxMb - firstWindowAvgMb) / firstWindowAvgMb,
    flat: growth <= options.maxGrowth,
  };
}

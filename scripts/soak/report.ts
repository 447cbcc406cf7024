import os from 'node:os';
import type { Tally } from './load.js';
import type { RssSample, RssSummary } from './memory.js';

export interface PhotoReport {
  readonly uploadsAnswered: number;
  readonly accepted: number;
  readonly ready: number;
  readonly refusedAtUpload: number;
  readonly rejectedWithReason: number;
  /** Accepted photos not final, missing, not served, or a real photo that did not become ready. */
  readonly lost: number;
  readonly lostSamples: readonly string[];
}

export interface SoakReport {
  readonly timestamp: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
  readonly machine: { readonly node: string; readonly cpus: number; readonly memoryGb: number };
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly settings: Record<string, string | number>;
  readonly loadSeconds: number;
  readonly requests: {
    readonly total: number;
    readonly byClass: Record<string, number>;
    readonly transportErrors: number;
    readonly unexpected: number;
    readonly unexpectedSamples: readonly string[];
    readonly byKind: Record<string, { readonly count: number; readonly p50Ms: number; readonly p99Ms: number; readonly byStatus: Record<string, number> }>;
  };
  readonly photos: PhotoReport;
  readonly rss: RssSummary & { readonly everySeconds: number; readonly series: readonly (readonly [number, number])[] };
  readonly telemetry: unknown;
}

export interface ReportInput {
  readonly stamp: string;
  readonly git: SoakReport['git'];
  readonly settings: Record<string, string | number>;
  readonly maxRssGrowth: number;
  readonly sampleSeconds: number;
  readonly loadSeconds: number;
  readonly tally: Tally;
  readonly photos: PhotoReport;
  readonly memory: RssSummary;
  readonly rss: readonly RssSample[];
  readonly telemetry: unknown;
}

/** The verdict and every figure of one soak run. */
export function buildReport(input: ReportInput): SoakReport {
  const { tally, photos, memory } = input;
  const errors = tally.byClass['5xx'] + tally.transportErrors;
  const failures = [
    ...(errors > 0 ? [`${errors} errors (5xx or transport)`] : []),
    ...(tally.unexpected - errors > 0 ? [`${tally.unexpected - errors} answers with an unexpected status`] : []),
    ...(photos.lost > 0 ? [`${photos.lost} photos lost or not ready`] : []),
    ...(memory.flat ? [] : [`RSS grew ${(memory.growth * 100).toFixed(1)}% (limit ${input.maxRssGrowth * 100}%)`]),
  ];
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    timestamp: input.stamp,
    passed: failures.length === 0,
    failures,
    machine: { node: process.version, cpus: os.availableParallelism(), memoryGb: Math.round(os.totalmem() / 2 ** 30) },
    git: input.git,
    settings: input.settings,
    loadSeconds: round(input.loadSeconds),
    requests: {
      total: tally.total,
      byClass: tally.byClass,
      transportErrors: tally.transportErrors,
      unexpected: tally.unexpected,
      unexpectedSamples: tally.samples,
      byKind: Object.fromEntries([...tally.byKind].map(([kind, s]) => [kind, { count: s.count, p50Ms: round(percentile(s.ms, 50)), p99Ms: round(percentile(s.ms, 99)), byStatus: s.byStatus }])),
    },
    photos,
    rss: { ...memory, everySeconds: input.sampleSeconds, series: input.rss.map((s) => [Math.round(s.t), Math.round(s.mb)] as const) },
    telemetry: input.telemetry ?? null,
  };
}

export function formatMarkdown(r: SoakReport): string {
  const mb = (n: number) => `${Math.round(n)} MB`;
  const lines = [
    `**Soak ${r.timestamp}** (commit \`${r.git.commit}\`${r.git.dirty ? ', dirty' : ''}): ${r.passed ? 'passed' : `FAILED — ${r.failures.join('; ')}`}.`,
    `${Math.round(r.loadSeconds)} s of mixed load, Node ${r.machine.node}, ${r.machine.cpus} CPUs, SQLite, telemetry ${String(r.settings['telemetry'])}.`,
    '',
    '| measure | value |',
    '|---|---:|',
    `| requests | ${r.requests.total.toLocaleString('en')} (2xx ${r.requests.byClass['2xx']}, 3xx ${r.requests.byClass['3xx']}, 4xx ${r.requests.byClass['4xx']}, 5xx ${r.requests.byClass['5xx']}) |`,
    `| transport errors / unexpected answers | ${r.requests.transportErrors} / ${r.requests.unexpected} |`,
    `| uploads answered / accepted | ${r.photos.uploadsAnswered} / ${r.photos.accepted} |`,
    `| photos ready / bad files refused or rejected with a reason / lost | ${r.photos.ready} / ${r.photos.refusedAtUpload + r.photos.rejectedWithReason} / ${r.photos.lost} |`,
    `| RSS after warm-up: first / last / min / max | ${mb(r.rss.firstMb)} / ${mb(r.rss.lastMb)} / ${mb(r.rss.minMb)} / ${mb(r.rss.maxMb)} |`,
    `| RSS average, first / last ${Math.round(r.rss.windowSeconds)} s | ${mb(r.rss.firstWindowAvgMb)} / ${mb(r.rss.lastWindowAvgMb)} (${r.rss.growth >= 0 ? '+' : ''}${(r.rss.growth * 100).toFixed(1)}%; max ${(r.rss.maxOverFirst * 100).toFixed(1)}% over the first) |`,
    '',
    '| request | count | p50 ms | p99 ms |',
    '|---|---:|---:|---:|',
    ...Object.entries(r.requests.byKind).map(([kind, s]) => `| ${kind} | ${s.count.toLocaleString('en')} | ${s.p50Ms} | ${s.p99Ms} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

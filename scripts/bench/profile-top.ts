/**
 * Summarises a V8 .cpuprofile (from `BENCH_CPU_PROF=1 npm run bench`): the functions with the most
 * self time, and self time per package or source directory, so hot spots show without a GUI.
 * `npx tsx scripts/bench/profile-top.ts <file.cpuprofile> [rows] [phase]`: with a phase (seed,
 * landing, login, gallery, thumbnail, uploads), only the samples taken while the bench ran that
 * phase count (its window is read from reports/bench/latest.json, or BENCH_REPORT).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly startTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const file = process.argv[2];
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [rows]');
const rows = Number(process.argv[3] ?? 30);
const phase = process.argv[4];
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const [from, to] = phase ? phaseWindow(phase) : [-Infinity, Infinity];

const selfUs = new Map<number, number>();
let at = profile.startTime;
profile.samples.forEach((id, index) => {
  const delta = profile.timeDeltas[index] ?? 0;
  at += delta;
  if (at >= from && at <= to) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const byId = new Map(profile.nodes.map((node) => [node.id, node]));

const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)?.callFrame;
  if (!frame) continue;
  const where = shorten(frame.url);
  const key = `${frame.functionName || '(anonymous)'}  ${where}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byPlace.set(placeOf(frame.url, frame.functionName), (byPlace.get(placeOf(frame.url, frame.functionName)) ?? 0) + us);
}

const print = (title: string, entries: Map<string, number>) => {
  process.stdout.write(`\n${title}\n`);
  for (const [key, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    process.stdout.write(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}\n`);
  }
};
process.stdout.write(`${file}${phase ? ` (${phase})` : ''}: ${(total / 1e6).toFixed(1)} s sampled\n`);
print('self time by function', byFunction);
print('self time by package / directory', byPlace);

function phaseWindow(name: string): readonly [number, number] {
  const report = JSON.parse(readFileSync(process.env['BENCH_REPORT'] ?? 'reports/bench/latest.json', 'utf8')) as { perRun: { phases?: Record<string, [number, number]> }[] };
  const window = report.perRun[0]?.phases?.[name];
  if (!window) throw new Error(`no phase ${name} in the report`);
  return window;
}

function shorten(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '');
}

function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1).split('/').slice(0, 2).join('/');
  return url;
}

/**
 * How OpenTelemetry metric names become Prometheus series names when a collector, Prometheus or
 * Mimir ingests OTLP with the default "UnderscoreEscapingWithSuffixes" strategy (the OTel to
 * Prometheus compatibility spec, as implemented by github.com/prometheus/otlptranslator):
 * - the name splits on every character outside [a-zA-Z0-9:] and re-joins with "_";
 * - the unit, mapped to a word (s -> seconds, By -> bytes…), is appended unless already a token;
 *   annotations in braces ({upload}) and "1" add nothing; "x/y" becomes "x_per_y";
 * - monotonic sums get "_total", gauges with unit "1" get "_ratio";
 * - histograms are queried through "_bucket", "_sum" and "_count".
 * Attribute keys become labels the same way (http.route -> http_route).
 */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
};

const PER_UNIT_WORDS: Readonly<Record<string, string>> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year' };

export interface OtelMetricShape {
  readonly name: string;
  readonly unit: string;
  readonly type: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram';
  readonly monotonic: boolean;
}

/** The Prometheus metric name of an OpenTelemetry metric (before _bucket/_sum/_count). */
export function prometheusMetricName(metric: OtelMetricShape): string {
  const tokens = metric.name.split(/[^a-zA-Z0-9:]+/).filter(Boolean);
  const [mainUnit = '', perUnit] = metric.unit.split('/', 2).map((part) => part.trim());
  const main = mainUnit !== '' && !/[{}]/.test(mainUnit) ? clean(UNIT_WORDS[mainUnit] ?? mainUnit) : '';
  const per = perUnit && !/[{}]/.test(perUnit) ? clean(`per_${PER_UNIT_WORDS[perUnit] ?? perUnit}`) : '';
  if (main !== '' && !tokens.includes(main)) tokens.push(main);
  if (per !== '' && per !== 'per_' && !tokens.includes(per)) tokens.push(per);
  let result = tokens;
  if (metric.type === 'sum' && metric.monotonic) result = [...result.filter((t) => t !== 'total'), 'total'];
  if (metric.unit === '1' && metric.type === 'gauge') result = [...result.filter((t) => t !== 'ratio'), 'ratio'];
  return result.join('_');
}

/** Every series name a query may use for this metric. */
export function prometheusSeriesNames(metric: OtelMetricShape): string[] {
  const base = prometheusMetricName(metric);
  return metric.type === 'histogram' ? [`${base}_bucket`, `${base}_sum`, `${base}_count`] : [base];
}

/** An attribute key as a Prometheus label name. */
export function prometheusLabelName(attribute: string): string {
  const label = attribute.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_+/g, '_');
  return /^\d/.test(label) ? `key_${label}` : label;
}

function clean(unit: string): string {
  return unit.replace(/[^a-zA-Z0-9:]/g, '_').replace(/_+/g, '_').replace(/^_/, '');
}

// CVSS v3.0/v3.1 base score from a vector string (FIRST CVSS v3.1 specification, section 7.1),
// for OSV records that carry a vector but no severity word.

const WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';

export function cvss3BaseScore(vector: string): number | null {
  if (!/^CVSS:3\.[01]\//.test(vector)) return null;
  const metrics = new Map(vector.split('/').slice(1).map((part) => part.split(':') as [string, string]));
  const get = <T extends Record<string, number>>(table: T, key: string): number | undefined => {
    const value = metrics.get(key);
    return value !== undefined && value in table ? table[value as keyof T] : undefined;
  };
  const scope = metrics.get('S');
  const av = get(WEIGHTS.AV, 'AV');
  const ac = get(WEIGHTS.AC, 'AC');
  const ui = get(WEIGHTS.UI, 'UI');
  const c = get(WEIGHTS.CIA, 'C');
  const i = get(WEIGHTS.CIA, 'I');
  const a = get(WEIGHTS.CIA, 'A');
  const prValue = metrics.get('PR');
  const pr = prValue === 'N' ? 0.85 : prValue === 'L' ? (scope === 'C' ? 0.68 : 0.62) : prValue === 'H' ? (scope === 'C' ? 0.5 : 0.27) : undefined;
  if (av === undefined || ac === undefined || ui === undefined || c === undefined || i === undefined || a === undefined || pr === undefined) return null;
  if (scope !== 'U' && scope !== 'C') return null;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15);
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  return roundUp(Math.min(scope === 'U' ? impact + exploitability : 1.08 * (impact + exploitability), 10));
}

// "Roundup" as defined in CVSS v3.1 Appendix A (avoids floating-point surprises).
function roundUp(value: number): number {
  const scaled = Math.round(value * 100_000);
  return scaled % 10_000 === 0 ? scaled / 100_000 : (Math.floor(scaled / 10_000) + 1) / 10;
}

/** The qualitative rating of a CVSS score (CVSS v3.1 section 5). */
export function severityOfScore(score: number | null | undefined): Severity {
  if (score === null || score === undefined || !Number.isFinite(score) || score < 0) return 'unknown';
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'none';
}

export function severityOfWord(word: unknown): Severity {
  const text = typeof word === 'string' ? word.toLowerCase() : '';
  if (text === 'moderate') return 'medium';
  if (text === 'critical' || text === 'high' || text === 'medium' || text === 'low' || text === 'none') return text;
  return 'unknown';
}

/** Severities that fail the stage; "unknown" counts as high so that missing data never passes silently. */
export function isBlocking(severity: Severity): boolean {
  return severity === 'critical' || severity === 'high' || severity === 'unknown';
}

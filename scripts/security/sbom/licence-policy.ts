import { readFile } from 'node:fs/promises';

export interface LicencePolicy {
  readonly allow: readonly string[];
  /** SPDX ids; a trailing `*` matches a family (GPL-* is GPL-2.0-only, GPL-3.0-or-later, ...). */
  readonly deny: readonly string[];
  readonly exceptions: ReadonlyArray<{ readonly package: string; readonly licence: string; readonly reason: string }>;
}

/** What the policy says about one component. */
export type Verdict = 'allow' | 'deny' | 'review';

export interface Component {
  readonly name: string;
  readonly version: string;
  /** An SPDX expression, or null when the package declares no licence. */
  readonly licence: string | null;
}

export async function loadPolicy(file: string): Promise<LicencePolicy> {
  return JSON.parse(await readFile(file, 'utf8')) as LicencePolicy;
}

const RANK: Record<Verdict, number> = { allow: 2, review: 1, deny: 0 };

function matches(pattern: string, value: string): boolean {
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

function verdictOfId(id: string, policy: LicencePolicy): Verdict {
  // "GPL-2.0+" is the deprecated spelling of "GPL-2.0-or-later".
  const normal = id.replace(/\+$/, '-or-later');
  if (policy.deny.some((p) => matches(p, normal))) return 'deny';
  if (policy.allow.includes(normal)) return 'allow';
  return 'review';
}

/**
 * Evaluates an SPDX licence expression: `A OR B` is as good as its better side (the user may
 * choose), `A AND B` as bad as its worse side, `A WITH exception` is judged as A.
 */
export function evaluateExpression(expression: string, policy: LicencePolicy): Verdict {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const parsePrimary = (): Verdict => {
    const piece = tokens[position++];
    if (piece === undefined) return 'review';
    if (piece === '(') {
      const inner = parseOr();
      if (peek() === ')') position++;
      return inner;
    }
    const verdict = verdictOfId(piece, policy);
    if (peek()?.toUpperCase() === 'WITH') position += 2;
    return verdict;
  };
  const parseAnd = (): Verdict => {
    let verdict = parsePrimary();
    while (peek()?.toUpperCase() === 'AND') {
      position++;
      const next = parsePrimary();
      if (RANK[next] < RANK[verdict]) verdict = next;
    }
    return verdict;
  };
  const parseOr = (): Verdict => {
    let verdict = parseAnd();
    while (peek()?.toUpperCase() === 'OR') {
      position++;
      const next = parseAnd();
      if (RANK[next] > RANK[verdict]) verdict = next;
    }
    return verdict;
  };
  const verdict = parseOr();
  return position === tokens.length ? verdict : 'review';
}

export interface LicenceResult {
  readonly component: Component;
  readonly verdict: Verdict;
  /** The exception's reason when one covers a non-allowed licence. */
  readonly exception: string | null;
}

export function checkLicences(components: readonly Component[], policy: LicencePolicy): LicenceResult[] {
  return components.map((component) => {
    // No licence at all, or "SEE LICENSE IN ...", is unknown: as bad as a denied one.
    const licence = component.licence?.trim();
    const verdict = !licence || /^SEE LICEN[CS]E IN /i.test(licence) ? 'deny' : evaluateExpression(licence, policy);
    const exception = verdict === 'allow' ? undefined : policy.exceptions.find((e) => matches(e.package, component.name) && e.licence === licence);
    return { component, verdict, exception: exception?.reason ?? null };
  });
}

interface CdxLicence {
  license?: { id?: string; name?: string };
  expression?: string;
}

interface CdxComponent {
  name?: string;
  group?: string;
  version?: string;
  licenses?: CdxLicence[];
  components?: CdxComponent[];
}

/** The components of a CycloneDX JSON BOM (nested ones included), with one SPDX expression each. */
export function componentsOfBom(bom: { components?: CdxComponent[] }): Component[] {
  const out: Component[] = [];
  const walk = (list: readonly CdxComponent[] | undefined) => {
    for (const c of list ?? []) {
      const parts = (c.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? (l.license?.name ? `SEE LICENSE IN ${l.license.name}` : null)).filter((x): x is string => x !== null);
      out.push({
        name: c.group ? `${c.group}/${c.name ?? ''}` : (c.name ?? '?'),
        version: c.version ?? '?',
        licence: parts.length === 0 ? null : parts.length === 1 ? (parts[0] ?? null) : parts.map((p) => `(${p})`).join(' AND '),
      });
      walk(c.components);
    }
  };
  walk(bom.components);
  return out;
}

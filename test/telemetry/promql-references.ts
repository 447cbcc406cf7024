export interface QueryReferences {
  readonly metrics: Set<string>;
  readonly labels: Set<string>;
}

// Aggregations, functions and keywords of PromQL that can stand where a metric name could.
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);

/**
 * The metric names and label names a PromQL expression refers to: identifiers not followed by
 * "(" (functions), outside label matchers, grouping clauses, ranges and strings. Grafana
 * variables ($job, $__rate_interval) are removed first.
 */
export function referencesOf(expr: string): QueryReferences {
  const labels = new Set<string>();
  let rest = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
  rest = rest.replace(/\{([^}]*)\}/g, (_match, body: string) => {
    for (const [, label] of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) if (label) labels.add(label);
    return ' ';
  });
  rest = rest.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_match, body: string) => {
    for (const label of body.split(',').map((l) => l.trim()).filter(Boolean)) labels.add(label);
    return ' ';
  });
  rest = rest.replace(/\[[^\]]*\]/g, ' ').replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, ' ');
  const metrics = new Set<string>();
  for (const match of rest.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, identifier = '', call] = match;
    if (call || KEYWORDS.has(identifier.toLowerCase())) continue;
    if (/^\d/.test(identifier)) continue;
    metrics.add(identifier);
  }
  return { metrics, labels };
}

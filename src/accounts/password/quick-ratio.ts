import { splitCodePoints } from './code-points.js';

// Port of Python's difflib.SequenceMatcher(a=a, b=b).quick_ratio(), which Django's
// UserAttributeSimilarityValidator relies on. Written here because no maintained npm package
// ports difflib's quick_ratio, and it is a few lines: the size of the multiset intersection of
// both sequences' elements, as 2 * matches / (len(a) + len(b)). Elements are Unicode code
// points, like the items of a Python str.
export function computeQuickRatio(a: string, b: string): number {
  const aElements = splitCodePoints(a);
  const bElements = splitCodePoints(b);
  const total = aElements.length + bElements.length;
  // difflib._calculate_ratio: two empty sequences are identical.
  if (total === 0) return 1;

  const available = new Map<string, number>();
  for (const element of bElements) available.set(element, (available.get(element) ?? 0) + 1);

  let matches = 0;
  for (const element of aElements) {
    const remaining = available.get(element) ?? 0;
    if (remaining > 0) {
      matches += 1;
      available.set(element, remaining - 1);
    }
  }
  return (2 * matches) / total;
}

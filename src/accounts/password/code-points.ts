// Password lengths are counted in Unicode code points, as Python's len() does for
// Django's validators; NIST SP 800-63B 3.1.1.2 counts each Unicode code point as one character.
// JavaScript's .length counts UTF-16 units, so an astral emoji would count twice.
export function splitCodePoints(text: string): string[] {
  return Array.from(text);
}

export function countCodePoints(text: string): number {
  let count = 0;
  for (const _codePoint of text) count += 1;
  return count;
}

export const ALT_TEXT_MAX = 250;
export const CAPTION_MAX = 300;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** C0/C1 controls and DEL: replaced by a space. */
function isControl(codePoint: number): boolean {
  return codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f);
}

/**
 * Invisible formatting: bidi marks, embeddings, overrides and isolates (Trojan Source), zero-width
 * space, word joiners, the BOM, and Unicode tag characters (hidden "ASCII smuggling" text). ZWJ and
 * ZWNJ stay: emoji sequences and several scripts need them.
 */
function isInvisible(codePoint: number): boolean {
  return (
    codePoint === 0x061c ||
    codePoint === 0x200b ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x2060 && codePoint <= 0x206f && codePoint !== 0x2065) ||
    codePoint === 0xfeff ||
    (codePoint >= 0xe0000 && codePoint <= 0xe007f)
  );
}

/**
 * The model's text made safe to store and show: it is untrusted output, so controls and invisible
 * formatting characters go, whitespace collapses, wrapping quotes go, and it is cut to `max`
 * user-perceived characters (graphemes, so no emoji or accent is split), preferably at a word
 * boundary with an ellipsis. It is stored as plain text and always rendered escaped.
 */
export function sanitizeCaptionText(raw: string, max: number): string {
  const visible = Array.from(raw.normalize('NFC'), (char) => {
    const codePoint = char.codePointAt(0) ?? 0;
    if (isControl(codePoint)) return ' ';
    return isInvisible(codePoint) ? '' : char;
  }).join('');
  const text = visible
    .replace(/\s+/gu, ' ')
    .trim()
    .replace(/^["'“”‘’«»]+|["'“”‘’«»]+$/gu, '')
    .trim();
  return truncateGraphemes(text, max);
}

function truncateGraphemes(text: string, max: number): string {
  const graphemes = Array.from(segmenter.segment(text), (s) => s.segment);
  if (graphemes.length <= max) return text;
  const kept = graphemes.slice(0, max - 1);
  const lastSpace = kept.lastIndexOf(' ');
  // Cut at the last word boundary unless that would drop more than a fifth of the text.
  const cut = lastSpace >= Math.floor(max * 0.8) ? kept.slice(0, lastSpace) : kept;
  return `${cut.join('').trimEnd()}…`;
}

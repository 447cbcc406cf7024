export const ALT_TEXT_MAX = 250;
export const CAPTION_MAX = 300;

// C0/C1 controls and DEL; bidi marks, embeddings, overrides and isolates (Trojan Source); zero-width
// space, word joiners and the BOM; Unicode tag characters (invisible "ASCII smuggling" text).
// ZWJ and ZWNJ stay: emoji sequences and several scripts need them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const INVISIBLE = /[\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\u{e0000}-\u{e007f}]/gu;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The model's text made safe to store and show: it is untrusted output, so controls and invisible
 * formatting characters go, whitespace collapses, wrapping quotes go, and it is cut to `max`
 * user-perceived characters (graphemes, so no emoji or accent is split), preferably at a word
 * boundary with an ellipsis. It is stored as plain text and always rendered escaped.
 */
export function sanitizeCaptionText(raw: string, max: number): string {
  const text = raw
    .normalize('NFC')
    .replace(CONTROL, ' ')
    .replace(INVISIBLE, '')
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

import type { CaptionDraft } from './caption-model.js';

/**
 * Reads the model's reply. The prompt asks for `{"alt_text": "...", "caption": "..."}`, but small
 * local models wrap it in code fences, add prose around it, or answer in labelled lines; all of
 * those are accepted. Anything else becomes the alt text alone. Returns undefined when the reply
 * holds no text at all. Values are still raw: the caller sanitises them.
 */
export function parseCaptionReply(reply: string): CaptionDraft | undefined {
  const text = reply.trim();
  if (text === '') return undefined;
  return fromJson(text) ?? fromLabelledLines(text) ?? { altText: text, caption: '' };
}

function fromJson(text: string): CaptionDraft | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end <= start) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const altText = firstString(record, ['alt_text', 'altText', 'alt', 'description']);
  const caption = firstString(record, ['caption', 'title']);
  return altText || caption ? { altText, caption } : undefined;
}

function fromLabelledLines(text: string): CaptionDraft | undefined {
  const altText = labelled(text, ['alt', 'alt text', 'alttext']);
  const caption = labelled(text, ['caption']);
  return altText || caption ? { altText, caption } : undefined;
}

/** The value of the first "Label: value" line whose label is one of `labels` (Markdown decoration allowed). */
function labelled(text: string, labels: readonly string[]): string {
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/^[\s*_#>-]+/, '');
    const separator = line.search(/[:=]/);
    if (separator === -1) continue;
    const label = line.slice(0, separator).replace(/[\s*_-]+/g, ' ').trim().toLowerCase();
    if (labels.includes(label)) return line.slice(separator + 1).replace(/^[\s*_]+/, '').trim();
  }
  return '';
}

function firstString(record: Record<string, unknown>, keys: readonly string[]): string {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return '';
}

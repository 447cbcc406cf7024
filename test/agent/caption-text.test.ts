import { describe, expect, it } from 'vitest';
import { ALT_TEXT_MAX, sanitizeCaptionText } from '../../src/agent/caption-text.js';

describe('sanitizeCaptionText', () => {
  it('keeps ordinary text, collapsing whitespace and trimming', () => {
    expect(sanitizeCaptionText('  A red   bicycle\nleaning on a wall. ', 100)).toBe('A red bicycle leaning on a wall.');
  });

  it('removes control characters, bidi overrides, zero-width and tag characters', () => {
    const hostile = 'safe\u0007\u001b[31m text\u202e gnp.exe\u200b\u2066x\u2069\u{e0041}\u{e0042}\ufeff';
    const clean = sanitizeCaptionText(hostile, 100);
    expect(clean).toBe('safe [31m text gnp.exex');
    expect(clean).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b\u202a-\u202e\u2066-\u2069\ufeff]/u);
    expect([...clean].some((c) => c.codePointAt(0)! >= 0xe0000)).toBe(false);
  });

  it('keeps markup as inert text (it is escaped when shown, never interpreted)', () => {
    expect(sanitizeCaptionText('<img src=x onerror=alert(1)>', 100)).toBe('<img src=x onerror=alert(1)>');
  });

  it('drops quotes the model wraps its answer in', () => {
    expect(sanitizeCaptionText('"A dog on a beach."', 100)).toBe('A dog on a beach.');
  });

  it('cuts long text to the limit at a word boundary, with an ellipsis', () => {
    const long = 'word '.repeat(200);
    const cut = sanitizeCaptionText(long, ALT_TEXT_MAX);
    expect([...cut].length).toBeLessThanOrEqual(ALT_TEXT_MAX);
    expect(cut.endsWith('word…')).toBe(true);
  });

  it('never splits an emoji or a combined character', () => {
    const family = '👨‍👩‍👧';
    const cut = sanitizeCaptionText(family.repeat(10), 5);
    expect(cut).toBe(`${family.repeat(4)}…`);
    expect(sanitizeCaptionText('e\u0301'.repeat(10), 3)).toBe('\u00e9\u00e9…');
  });

  it('returns an empty string for text made only of invisible characters', () => {
    expect(sanitizeCaptionText('\u200b\u0000 \u202e', 10)).toBe('');
  });
});

import { describe, expect, it } from 'vitest';
import { parseCaptionReply } from '../../src/agent/parse-caption-reply.js';

describe('parseCaptionReply', () => {
  it('reads the JSON object the prompt asks for', () => {
    expect(parseCaptionReply('{"alt_text": "A cat asleep on a sofa.", "caption": "Sunday mood"}')).toEqual({ altText: 'A cat asleep on a sofa.', caption: 'Sunday mood' });
  });

  it('reads JSON inside code fences and prose', () => {
    const reply = 'Sure! Here it is:\n```json\n{"alt_text": "Two boats.", "caption": "Harbour"}\n```\nHope that helps.';
    expect(parseCaptionReply(reply)).toEqual({ altText: 'Two boats.', caption: 'Harbour' });
  });

  it('reads labelled lines', () => {
    expect(parseCaptionReply('Alt text: A snowy street.\nCaption: First snow')).toEqual({ altText: 'A snowy street.', caption: 'First snow' });
    expect(parseCaptionReply('**Alt text:** A snowy street.\n- **Caption:** First snow')).toEqual({ altText: 'A snowy street.', caption: 'First snow' });
  });

  it('uses a plain answer as the alt text', () => {
    expect(parseCaptionReply('A lighthouse at dusk.')).toEqual({ altText: 'A lighthouse at dusk.', caption: '' });
  });

  it('ignores JSON that is not an object of strings', () => {
    expect(parseCaptionReply('{"alt_text": 42}')).toEqual({ altText: '{"alt_text": 42}', caption: '' });
    expect(parseCaptionReply('[1, 2]')).toEqual({ altText: '[1, 2]', caption: '' });
  });

  it('returns undefined for an empty reply', () => {
    expect(parseCaptionReply('   ')).toBeUndefined();
  });
});

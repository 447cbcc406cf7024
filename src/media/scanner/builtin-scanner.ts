import { createReadStream } from 'node:fs';
import type { MalwareScanner, ScanResult } from './scanner.js';

interface Marker {
  readonly signature: string;
  readonly pattern: RegExp;
}

// Split in two so antivirus tools scanning this repository do not flag the source file itself.
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

// Markers of content a browser or server would execute: an image carrying them is a polyglot or
// a web shell in disguise (OWASP File Upload Cheat Sheet; CWE-434). Compressed pixel data contains
// any given 2-3 byte sequence every few hundred KB, so short openers such as `<%` and `<?=` only
// count with their closing tag nearby, and tag names need a delimiter after them.
const MARKERS: readonly Marker[] = [
  // eslint-disable-next-line security/detect-non-literal-regexp -- a constant, escaped: no input reaches it
  { signature: 'Photovault.Eicar-Test-Signature', pattern: new RegExp(escapeRegExp(EICAR)) },
  { signature: 'Photovault.Html.Script', pattern: /<script[\s>/]/i },
  { signature: 'Photovault.Html.Document', pattern: /<!doctype html|<html[\s>]/i },
  { signature: 'Photovault.Html.Svg', pattern: /<svg[\s>/]/i },
  { signature: 'Photovault.Html.Embed', pattern: /<(?:iframe|object|embed)[\s>/]/i },
  { signature: 'Photovault.Html.Event-Handler', pattern: /\bon(?:error|load)\s*=/i },
  { signature: 'Photovault.Javascript-Url', pattern: /javascript:/i },
  { signature: 'Photovault.Php', pattern: /<\?php|<\?=[\s\S]{0,1024}?\?>/i },
  { signature: 'Photovault.Server-Template', pattern: /<%[@=!\s][\s\S]{0,1024}?%>/ },
];

// Longer than any marker can match, so one split across two chunks is still seen whole.
const OVERLAP_BYTES = 2048;
const CHUNK_BYTES = 64 * 1024;

/**
 * The scanner used when no ClamAV is configured: it streams the raw bytes once and refuses the
 * EICAR test file and script/HTML/PHP markers anywhere in the file. It knows no real malware.
 */
export class BuiltinScanner implements MalwareScanner {
  readonly name = 'builtin';

  async scanFile(path: string): Promise<ScanResult> {
    let tail = Buffer.alloc(0);
    const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
    try {
      for await (const chunk of file as AsyncIterable<Buffer>) {
        const window = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
        const found = findMarker(window.toString('latin1'));
        if (found) return { clean: false, signature: found };
        tail = Buffer.from(window.subarray(Math.max(0, window.length - OVERLAP_BYTES)));
      }
    } finally {
      file.destroy();
    }
    return { clean: true };
  }

  async ping(): Promise<void> {}
}

/** The first marker's signature found in `text` (bytes as latin1, one char per byte). */
export function findMarker(text: string): string | undefined {
  return MARKERS.find((marker) => marker.pattern.test(text))?.signature;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import { isWellFormedIccProfile } from './icc-profile.js';
import { isRotatingOrientation, orientationOnlyTiff } from './orientation-exif.js';
import { malformed } from './strip-error.js';

// A baseline JPEG has ~10 segments, a progressive one ~30; thousands mean a hostile file.
const MAX_SEGMENTS = 4096;
const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
const APP0 = 0xe0;
const APP2 = 0xe2;
const APP14 = 0xee;
const ICC_ID = Buffer.from('ICC_PROFILE\0', 'latin1');

interface Kept {
  jfif?: Buffer;
  adobe?: Buffer;
  readonly icc: { seq: number; count: number; data: Buffer }[];
  /** Every segment the decoder needs (SOF, DHT, DQT, DRI, SOS…) with the entropy-coded data, verbatim and in order. */
  readonly body: Buffer[];
  sawFrame: boolean;
  sawScan: boolean;
}

/**
 * A JPEG with every metadata segment removed and its image data untouched. Why our own walker: the
 * npm packages that strip JPEG metadata either search the file for marker bytes (which also occur
 * inside other segments) or drop only EXIF, and none keeps the colour profile, drops COM/IPTC and the
 * bytes after EOI, and refuses malformed structure; this walk is short and follows ITU T.81 B.1.
 *
 * Kept: the segments decoding needs, copied byte for byte (SOFn, DHT, DQT, DRI, DAC, SOS and the
 * entropy-coded data with its RST markers), the JFIF header without its thumbnail (it decides the
 * colour space of some files), the Adobe APP14 header (colour transform), a well-formed ICC profile,
 * and, when the upload was rotated, a new EXIF segment holding only its Orientation. Dropped:
 * every other APPn (EXIF with GPS, XMP, IPTC/Photoshop, MPF secondary images, maker data), COM, and
 * anything after EOI. Malformed structure (truncated segment, bogus length, no frame or scan, no EOI,
 * too many segments) throws ImageDecodeError('corrupt').
 */
export function stripJpeg(input: Buffer, orientation?: number): Buffer {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== SOI) throw malformed('JPEG', 'no start-of-image marker');
  const kept: Kept = { icc: [], body: [], sawFrame: false, sawScan: false };
  let position = 2;
  for (let segments = 0; ; segments++) {
    if (segments > MAX_SEGMENTS) throw malformed('JPEG', 'too many segments');
    // B.1.1.2: any number of 0xFF fill bytes may precede a marker.
    if (input[position] !== 0xff) throw malformed('JPEG', `expected a marker at byte ${position}`);
    while (input[position] === 0xff) position++;
    if (position >= input.length) throw malformed('JPEG', 'ends inside a marker');
    const marker = input[position++] as number;
    if (marker === EOI) break;
    if (marker === 0x00 || marker === SOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      throw malformed('JPEG', `unexpected marker 0x${marker.toString(16)} outside a scan`);
    }
    if (position + 2 > input.length) throw malformed('JPEG', 'truncated segment length');
    const length = input.readUInt16BE(position);
    if (length < 2 || position + length > input.length) throw malformed('JPEG', `segment 0x${marker.toString(16)} length ${length} runs past the file`);
    const segment = input.subarray(position - 2, position + length);
    const payload = input.subarray(position + 2, position + length);
    position += length;
    if (marker >= APP0 && marker <= 0xef) keepApplicationSegment(kept, marker, payload);
    else if (marker !== COM) {
      kept.body.push(segment);
      if (isFrameMarker(marker)) kept.sawFrame = true;
      if (marker === SOS) {
        if (!kept.sawFrame) throw malformed('JPEG', 'scan before frame header');
        kept.sawScan = true;
        const end = endOfEntropyData(input, position);
        kept.body.push(input.subarray(position, end));
        position = end;
      }
    }
  }
  if (!kept.sawScan) throw malformed('JPEG', 'no scan');
  return assemble(kept, orientation);
}

function isFrameMarker(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Where the entropy-coded data after a scan header ends: the first marker that is not a stuffed 0xFF00 or an RSTn. */
function endOfEntropyData(input: Buffer, start: number): number {
  let position = start;
  for (;;) {
    const ff = input.indexOf(0xff, position);
    if (ff === -1 || ff + 1 >= input.length) throw malformed('JPEG', 'ends inside the image data (no end-of-image marker)');
    const next = input[ff + 1] as number;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
      position = ff + 2;
      continue;
    }
    return ff;
  }
}

function keepApplicationSegment(kept: Kept, marker: number, payload: Buffer): void {
  if (marker === APP0 && kept.jfif === undefined && payload.length >= 14 && payload.toString('latin1', 0, 5) === 'JFIF\0') {
    // Version, density units and density; the thumbnail size set to 0 × 0 and its pixels left out.
    kept.jfif = Buffer.concat([payload.subarray(0, 12), Buffer.from([0, 0])]);
  } else if (marker === APP14 && kept.adobe === undefined && payload.length >= 12 && payload.toString('latin1', 0, 5) === 'Adobe') {
    kept.adobe = Buffer.from(payload.subarray(0, 12));
  } else if (marker === APP2 && payload.length > ICC_ID.length + 2 && payload.subarray(0, ICC_ID.length).equals(ICC_ID)) {
    kept.icc.push({ seq: payload[ICC_ID.length] as number, count: payload[ICC_ID.length + 1] as number, data: payload.subarray(ICC_ID.length + 2) });
  }
}

/** The ICC profile's chunks in order, only when they are exactly 1..count once each and form a well-formed profile. */
function iccChunks(kept: Kept): Buffer[] {
  const chunks = [...kept.icc].sort((a, b) => a.seq - b.seq);
  const count = chunks.length;
  if (count === 0 || chunks.some((chunk, i) => chunk.seq !== i + 1 || chunk.count !== count)) return [];
  if (!isWellFormedIccProfile(Buffer.concat(chunks.map((chunk) => chunk.data)))) return [];
  return chunks.map((chunk) => segmentOf(APP2, Buffer.concat([ICC_ID, Buffer.from([chunk.seq, count]), chunk.data])));
}

function assemble(kept: Kept, orientation: number | undefined): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, SOI])];
  if (kept.jfif) parts.push(segmentOf(APP0, kept.jfif));
  if (isRotatingOrientation(orientation)) parts.push(segmentOf(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), orientationOnlyTiff(orientation)])));
  parts.push(...iccChunks(kept));
  if (kept.adobe) parts.push(segmentOf(APP14, kept.adobe));
  parts.push(...kept.body, Buffer.from([0xff, EOI]));
  return Buffer.concat(parts);
}

function segmentOf(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

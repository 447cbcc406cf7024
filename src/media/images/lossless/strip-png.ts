import { crc32 } from 'node:zlib';
import { MAX_ICC_BYTES } from './icc-profile.js';
import { isRotatingOrientation, orientationOnlyTiff } from './orientation-exif.js';
import { malformed } from './strip-error.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
// 10 MB of IDAT in the usual 8-64 KB chunks is a few hundred; this bounds a file made of empty chunks.
const MAX_CHUNKS = 65_536;
const MAX_CHUNK_LENGTH = 0x7fffffff; // PNG 5.3: lengths are at most 2^31 - 1
/**
 * Chunks the picture needs to decode and display as it did (PNG 3rd edition 4.3): the critical ones,
 * transparency, colour space (gamma, chromaticities, sRGB, ICC, coding-independent code points) and
 * pixel density. Text (tEXt, zTXt, iTXt), EXIF (eXIf), time, animation (acTL, fcTL, fdAT: the stored
 * original is the still image, as browsers show an APNG's default image) and private chunks are not.
 */
const KEPT = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'cICP', 'pHYs']);

/**
 * A PNG with every metadata chunk removed and its image data untouched: kept chunks are copied byte
 * for byte (IDAT is never recompressed) and anything after IEND is dropped. When the upload was
 * rotated (an eXIf orientation), a new eXIf chunk holding only the Orientation is written before the
 * image data. Malformed structure (truncated chunk, bogus length, bad CRC on a kept chunk, unknown
 * critical chunk, IHDR not first, no IDAT or IEND, too many chunks) throws ImageDecodeError('corrupt').
 * Our own walker, like stripJpeg's: the npm chunk libraries do not bound lengths or counts.
 */
export function stripPng(input: Buffer, orientation?: number): Buffer {
  if (input.length < SIGNATURE.length || !input.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw malformed('PNG', 'no PNG signature');
  const parts: Buffer[] = [SIGNATURE];
  let position = SIGNATURE.length;
  let sawData = false;
  for (let chunks = 0; ; chunks++) {
    if (chunks >= MAX_CHUNKS) throw malformed('PNG', 'too many chunks');
    if (position + 12 > input.length) throw malformed('PNG', 'ends before IEND');
    const length = input.readUInt32BE(position);
    const type = input.toString('latin1', position + 4, position + 8);
    if (length > MAX_CHUNK_LENGTH || position + 12 + length > input.length) throw malformed('PNG', `chunk length ${length} runs past the file`);
    if (!/^[A-Za-z]{4}$/.test(type)) throw malformed('PNG', 'chunk type is not four letters');
    const chunk = input.subarray(position, position + 12 + length);
    position += 12 + length;
    if (chunks === 0 && (type !== 'IHDR' || length !== 13)) throw malformed('PNG', 'IHDR is not the first chunk');
    if (!KEPT.has(type)) {
      // PNG 5.4: an unknown critical chunk (upper-case first letter) means the image cannot be decoded.
      if (type.charCodeAt(0) < 0x61) throw malformed('PNG', 'unknown critical chunk');
      continue;
    }
    if (crc32(chunk.subarray(4, 8 + length)) !== chunk.readUInt32BE(8 + length)) throw malformed('PNG', `bad CRC on ${type}`);
    if (type === 'iCCP' && length > MAX_ICC_BYTES) continue;
    if (type === 'IDAT' && !sawData) {
      sawData = true;
      if (isRotatingOrientation(orientation)) parts.push(chunkOf('eXIf', orientationOnlyTiff(orientation)));
    }
    parts.push(chunk);
    if (type === 'IEND') break;
  }
  if (!sawData) throw malformed('PNG', 'no image data');
  return Buffer.concat(parts);
}

function chunkOf(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

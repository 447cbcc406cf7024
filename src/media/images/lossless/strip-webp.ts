import { isWellFormedIccProfile } from './icc-profile.js';
import { isRotatingOrientation, orientationOnlyTiff } from './orientation-exif.js';
import { malformed } from './strip-error.js';

// A still WebP has 1-6 chunks; an animation one ANMF per frame. Beyond this the file is hostile.
/** More chunks than this and the file is hostile (the upload gate refuses it too: header-quirks.ts). */
export const MAX_WEBP_CHUNKS = 65_536;
const RIFF_HEADER = 12;
const CHUNK_HEADER = 8;
const ANMF_HEADER = 16;
// VP8X flags (RFC 9649 2.7) kept or set: ICC profile, alpha, EXIF, animation (XMP, 0x04, is always cleared).
const ICC_FLAG = 0x20;
const ALPHA_FLAG = 0x10;
const EXIF_FLAG = 0x08;
const ANIMATION_FLAG = 0x02;
// ANMF's last header byte: six reserved bits, then the blending and disposal methods (RFC 9649 2.7.1.1).
const ANMF_METHODS = 0x03;

interface Chunk {
  readonly type: string;
  /** Header, payload and padding, as in the file. */
  readonly bytes: Buffer;
  readonly payload: Buffer;
}

/**
 * A WebP with every metadata chunk removed and its image data untouched (RFC 9649). Kept, byte for
 * byte: the bitstreams (VP8, VP8L, ALPH), the animation (ANIM and every ANMF frame, each rebuilt from
 * its header, alpha and bitstream only) and a well-formed ICC profile; when the upload was rotated,
 * a new EXIF chunk holding only its Orientation, as stripJpeg and stripPng write. Dropped: EXIF (GPS,
 * camera), XMP, unknown chunks (also inside frames) and any byte after the RIFF's declared end. The
 * VP8X flags and the RIFF size are rewritten to match; reserved bits and bytes (VP8X, ANMF) and
 * RIFF padding bytes are written as zeros. A simple (VP8/VP8L-only) file has no room for
 * EXIF, so it has no orientation and comes back as it was, without trailing bytes.
 *
 * An animation is kept whole, as the GIF stripper keeps one: its frames are composited on a canvas,
 * so the first frame alone cannot be cut out without decoding and re-encoding it.
 *
 * Malformed structure (no RIFF/WEBP header, a RIFF or chunk size past the end, VP8X not first or
 * twice, no image data or two of it, frames without the animation flag, too many chunks) throws
 * ImageDecodeError('corrupt').
 */
export function stripWebp(input: Buffer, orientation?: number): Buffer {
  if (input.length < RIFF_HEADER || input.toString('latin1', 0, 4) !== 'RIFF' || input.toString('latin1', 8, 12) !== 'WEBP') {
    throw malformed('WebP', 'no RIFF/WEBP header');
  }
  const riffEnd = 8 + input.readUInt32LE(4);
  if (riffEnd > input.length) throw malformed('WebP', `RIFF size ${riffEnd - 8} runs past the file`);
  const chunks = readChunks(input.subarray(RIFF_HEADER, riffEnd));
  const first = chunks[0];
  if (first === undefined) throw malformed('WebP', 'no chunks');
  if (first.type !== 'VP8X') {
    if (chunks.length !== 1 || (first.type !== 'VP8 ' && first.type !== 'VP8L')) throw malformed('WebP', 'a simple file must be one VP8 or VP8L chunk');
    return riffOf([paddedWithZero(first)]);
  }
  return stripExtended(first.payload, chunks.slice(1), orientation);
}

function stripExtended(header: Buffer, chunks: readonly Chunk[], orientation: number | undefined): Buffer {
  if (header.length !== 10) throw malformed('WebP', `VP8X payload of ${header.length} bytes`);
  const animated = ((header[0] as number) & ANIMATION_FLAG) !== 0;
  let icc: Buffer | undefined;
  const image: Buffer[] = [];
  const seen = new Set<string>();
  for (const chunk of chunks) {
    if (chunk.type === 'VP8X') throw malformed('WebP', 'VP8X twice');
    if (chunk.type === 'ICCP') {
      if (seen.has('ICCP')) throw malformed('WebP', 'ICCP twice');
      if (isWellFormedIccProfile(chunk.payload)) icc = paddedWithZero(chunk);
    } else if (chunk.type === 'ANIM' || chunk.type === 'ANMF') {
      if (!animated) throw malformed('WebP', `${chunk.type} without the animation flag`);
      if (chunk.type === 'ANIM' && seen.has('ANIM')) throw malformed('WebP', 'ANIM twice');
      image.push(chunk.type === 'ANMF' ? frameOf(chunk.payload) : paddedWithZero(chunk));
    } else if (chunk.type === 'ALPH' || chunk.type === 'VP8 ' || chunk.type === 'VP8L') {
      if (animated) throw malformed('WebP', `${chunk.type} outside a frame of an animation`);
      image.push(paddedWithZero(chunk));
    }
    // EXIF, XMP and unknown chunks are dropped (RFC 9649 2.7: readers ignore unknown chunks).
    seen.add(chunk.type);
  }
  checkImage(animated, image.length, seen);
  const flags = ((header[0] as number) & (ALPHA_FLAG | ANIMATION_FLAG)) | (icc ? ICC_FLAG : 0) | (isRotatingOrientation(orientation) ? EXIF_FLAG : 0);
  // The flags byte's reserved bits and the three reserved bytes after it are written as zeros
  // (RFC 9649 2.7: "MUST be 0"), not copied: they could carry a few bytes past the stripper.
  const vp8x = Buffer.alloc(10);
  vp8x[0] = flags;
  header.copy(vp8x, 4, 4, 10);
  const parts = [chunkOf('VP8X', vp8x)];
  if (icc) parts.push(icc);
  parts.push(...image);
  // RFC 9649 2.7.1.5: the EXIF chunk's payload is the TIFF structure itself, after the image data.
  if (isRotatingOrientation(orientation)) parts.push(chunkOf('EXIF', orientationOnlyTiff(orientation)));
  return riffOf(parts);
}

/** A still has ALPH at most before exactly one VP8 or VP8L; an animation has ANIM and at least one frame. */
function checkImage(animated: boolean, count: number, seen: ReadonlySet<string>): void {
  if (animated) {
    if (!seen.has('ANIM') || !seen.has('ANMF')) throw malformed('WebP', 'an animation without ANIM or frames');
    return;
  }
  const bitstreams = Number(seen.has('VP8 ')) + Number(seen.has('VP8L'));
  if (bitstreams !== 1 || count !== bitstreams + Number(seen.has('ALPH'))) throw malformed('WebP', 'a still image must have exactly one bitstream (and at most one ALPH)');
}

/** One ANMF frame rebuilt from its 16-byte header, its ALPH and its bitstream; unknown sub-chunks dropped. */
function frameOf(payload: Buffer): Buffer {
  if (payload.length < ANMF_HEADER) throw malformed('WebP', 'ANMF shorter than its header');
  const frameHeader = Buffer.from(payload.subarray(0, ANMF_HEADER));
  frameHeader[ANMF_HEADER - 1]! &= ANMF_METHODS;
  const kept: Buffer[] = [frameHeader];
  let alpha = 0;
  let bitstreams = 0;
  for (const chunk of readChunks(payload.subarray(ANMF_HEADER))) {
    if (chunk.type === 'ALPH') alpha++;
    else if (chunk.type === 'VP8 ' || chunk.type === 'VP8L') bitstreams++;
    else continue;
    kept.push(paddedWithZero(chunk));
  }
  if (bitstreams !== 1 || alpha > 1) throw malformed('WebP', 'an ANMF frame must have exactly one bitstream (and at most one ALPH)');
  return chunkOf('ANMF', Buffer.concat(kept));
}

/** The chunks of a RIFF body: four-character type, little-endian size, payload padded to an even length. */
function readChunks(body: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  let position = 0;
  while (position < body.length) {
    if (chunks.length >= MAX_WEBP_CHUNKS) throw malformed('WebP', 'too many chunks');
    if (position + CHUNK_HEADER > body.length) throw malformed('WebP', 'truncated chunk header');
    const size = body.readUInt32LE(position + 4);
    const end = position + CHUNK_HEADER + size + (size & 1);
    if (end > body.length) throw malformed('WebP', `chunk size ${size} runs past its container`);
    chunks.push({
      type: body.toString('latin1', position, position + 4),
      bytes: body.subarray(position, end),
      payload: body.subarray(position + CHUNK_HEADER, position + CHUNK_HEADER + size),
    });
    position = end;
  }
  return chunks;
}

/**
 * The chunk as in the file, or rebuilt when its padding byte (after an odd-sized payload) is not
 * zero: RIFF says it is 0, and a byte no reader looks at could carry data past the stripper.
 */
function paddedWithZero(chunk: Chunk): Buffer {
  return chunk.bytes.length > CHUNK_HEADER + chunk.payload.length && chunk.bytes[chunk.bytes.length - 1] !== 0 ? chunkOf(chunk.type, chunk.payload) : chunk.bytes;
}

function chunkOf(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(CHUNK_HEADER);
  header.write(type, 0, 'latin1');
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat(payload.length % 2 === 1 ? [header, payload, Buffer.alloc(1)] : [header, payload]);
}

function riffOf(chunks: readonly Buffer[]): Buffer {
  const body = Buffer.concat(chunks);
  const header = Buffer.from('RIFF\0\0\0\0WEBP', 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([header, body]);
}

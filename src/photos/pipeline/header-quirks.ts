import exifReader from 'exif-reader';
import { endOfGifSubBlocks, gifColourTableBytes } from '../../media/images/gif-blocks.js';
import { MAX_WEBP_CHUNKS } from '../../media/images/lossless/strip-webp.js';
import type { ForwardReader } from './upload-file.js';

// What libvips' loaders make of a header beyond what image-size reads, so that the web-only
// instance's validator (validate-header.ts) sees the size sharp would: each rule was measured
// against sharp's metadata() (test/photos/pipeline/validators-agree.test.ts).

// The frame types libjpeg-turbo decodes: baseline, extended, progressive and lossless, Huffman or
// arithmetic coded (image-size knows the first three). Hierarchical frames (C5-C7, CD-CF) it refuses.
// Start of scan (DA) before any frame header ends the walk too. One table lookup per segment.
const FRAME = 1;
const NO_FRAME = 2;
const JPEG_MARKER_KIND = new Uint8Array(256);
for (const marker of [0xc0, 0xc1, 0xc2, 0xc3, 0xc9, 0xca, 0xcb]) JPEG_MARKER_KIND[marker] = FRAME;
for (const marker of [0xc5, 0xc6, 0xc7, 0xcd, 0xce, 0xcf, 0xda]) JPEG_MARKER_KIND[marker] = NO_FRAME;

/**
 * A JPEG's size from its first frame header and its EXIF orientation (APP1), walking the marker
 * segments as libjpeg does, as far into the file as they go (APP segments may hold megabytes: an
 * ICC profile split over APP2 segments); undefined if no decodable frame header comes first.
 * The walk is bounded by the file's size, which the gate has held to the upload limit.
 *
 * The orientation is read from the first EXIF APP1 only, as libvips reads it (checked against sharp
 * in validators-agree), and later ones are skipped without parsing: parsing each one as it came let
 * a 10 MB file of tiny EXIF segments cost seconds of CPU on the request's thread.
 */
export async function jpegFrame(reader: ForwardReader): Promise<{ width: number; height: number; orientation: number | undefined } | undefined> {
  let exifSeen = false;
  let orientation: number | undefined;
  // The walk indexes the window in place and awaits only to read past it: a file of megabytes of
  // tiny segments or fill bytes is walked at memory speed (10 MB of them: tens of ms).
  let window = reader.window;
  let index = reader.indexOf(2, 0);
  for (let at = 2; ; ) {
    if (index < 0 || index + 4 > window.length) {
      [index, window] = [await reader.fetch(at, 4), reader.window];
      if (index < 0) return undefined;
    }
    if (window[index] !== 0xff) return undefined;
    // T.81 B.1.1.2: any number of 0xFF fill bytes may precede a marker (libjpeg skips them).
    while (window[index + 1] === 0xff) {
      at++;
      index++;
      if (index + 4 > window.length) {
        [index, window] = [await reader.fetch(at, 4), reader.window];
        if (index < 0) return undefined;
      }
    }
    const marker = window[index + 1]!;
    const length = (window[index + 2]! << 8) | window[index + 3]!;
    const kind = JPEG_MARKER_KIND[marker];
    if (kind === FRAME) {
      const frame = await reader.bytes(at, 9);
      return frame && { height: frame.readUInt16BE(5), width: frame.readUInt16BE(7), orientation };
    }
    if (kind === NO_FRAME) return undefined;
    if (marker === 0xe1 && !exifSeen && length >= 8) {
      if (index + 10 > window.length) {
        [index, window] = [await reader.fetch(at, 10), reader.window];
        if (index < 0) return undefined;
      }
      if (window.toString('latin1', index + 4, index + 10) === 'Exif\0\0') {
        const app1 = await reader.bytes(at, 2 + length);
        if (app1 === undefined) return undefined;
        exifSeen = true;
        orientation = exifOrientation(app1.subarray(4));
        [index, window] = [reader.indexOf(at, 2 + length), reader.window];
      }
    }
    at += 2 + length;
    index += 2 + length;
  }
}

/** libwebp's WEBP_MAX_DIMENSION: a larger declared side is an invalid file to libvips, not a big one. */
export const WEBP_MAX_DIMENSION = 16_383;

const WEBP_ANIMATION_FLAG = 0x02;

/**
 * Whether a still extended WebP (VP8X) declares the canvas its bitstream has: libwebp refuses one
 * whose VP8X canvas differs from its VP8/VP8L frame (webp_dec.c ParseHeadersInternal), and so
 * sharp's metadata() does. The chunks before the bitstream (ALPH, ICCP, unknown ones) are skipped
 * as libwebp skips them, within the RIFF's declared size; a file with no bitstream does not match.
 * Simple files (the bitstream is the canvas) and animations (frames are placed on the canvas) match.
 */
export async function webpCanvasMatchesFrame(reader: ForwardReader): Promise<boolean> {
  const header = await reader.bytes(0, 30);
  if (header?.toString('latin1', 12, 16) !== 'VP8X') return true;
  if ((header[20]! & WEBP_ANIMATION_FLAG) !== 0) return true;
  const riffEnd = 8 + header.readUInt32LE(4);
  // Bounded as the stripper bounds it (a file of more chunks is refused there anyway): without it a
  // 10 MB file of empty chunks cost ~0.4 s of CPU here, on the request's thread.
  let chunks = 0;
  for (let at = 20 + paddedChunkBytes(header.readUInt32LE(16)); at + 8 <= riffEnd; ) {
    if (++chunks > MAX_WEBP_CHUNKS) return false;
    const chunk = await reader.bytes(at, 8);
    if (chunk === undefined) return false;
    const type = chunk.toString('latin1', 0, 4);
    if (type === 'VP8 ' || type === 'VP8L') {
      const frame = await webpBitstreamSize(reader, at + 8, type);
      return frame !== undefined && frame.width === header.readUIntLE(24, 3) + 1 && frame.height === header.readUIntLE(27, 3) + 1;
    }
    at += 8 + paddedChunkBytes(chunk.readUInt32LE(4));
  }
  return false;
}

function paddedChunkBytes(size: number): number {
  return size + (size & 1);
}

/** The size a VP8 key frame header (RFC 6386 9.1) or a VP8L header (RFC 9649 3.2) declares. */
async function webpBitstreamSize(reader: ForwardReader, at: number, type: string): Promise<{ width: number; height: number } | undefined> {
  const bytes = await reader.bytes(at, 10);
  if (bytes === undefined) return undefined;
  if (type === 'VP8 ') return { width: bytes.readUInt16LE(6) & 0x3fff, height: bytes.readUInt16LE(8) & 0x3fff };
  const bits = bytes.readUInt32LE(1);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

// libnsgif keeps the logical screen's size, but at the first frame drops a screen of zero or over
// 2048 on a side ("created on a bigger screen") for 1 × 1; every frame then grows the canvas to its
// own right and bottom edges.
const GIF_MAX_SCREEN = 2048;

/** A GIF's canvas as libnsgif (libvips' GIF loader) sizes it from the frames in `head`; undefined without a frame (libnsgif refuses those). */
export function gifCanvas(head: Buffer): { width: number; height: number } | undefined {
  if (head.length < 13) return undefined;
  const screenWidth = head.readUInt16LE(6);
  const screenHeight = head.readUInt16LE(8);
  const saneScreen = screenWidth > 0 && screenHeight > 0 && screenWidth <= GIF_MAX_SCREEN && screenHeight <= GIF_MAX_SCREEN;
  let width = screenWidth;
  let height = screenHeight;
  let frames = 0;
  let at = 13 + gifColourTableBytes(head[10]!);
  while (at < head.length && head[at] !== 0x3b) {
    if (head[at] === 0x21) {
      at = endOfGifSubBlocks(head, at + 2) ?? head.length;
    } else if (head[at] === 0x2c && at + 10 <= head.length) {
      if (frames === 0 && !saneScreen) [width, height] = [1, 1];
      width = Math.max(width, head.readUInt16LE(at + 1) + head.readUInt16LE(at + 5));
      height = Math.max(height, head.readUInt16LE(at + 3) + head.readUInt16LE(at + 7));
      frames++;
      at = endOfGifSubBlocks(head, at + 10 + gifColourTableBytes(head[at + 9]!) + 1) ?? head.length;
    } else {
      break;
    }
  }
  return frames > 0 ? { width, height } : undefined;
}

/** The EXIF orientation a PNG (eXIf chunk before IDAT) or WebP (EXIF chunk) carries. */
export function containerOrientation(head: Buffer, type: string | undefined): number | undefined {
  const exif = type === 'png' ? pngExif(head) : type === 'webp' ? webpExif(head) : undefined;
  return exif ? exifOrientation(exif) : undefined;
}

function exifOrientation(exif: Buffer): number | undefined {
  try {
    return exifReader(exif).Image?.Orientation;
  } catch {
    return undefined;
  }
}

function pngExif(head: Buffer): Buffer | undefined {
  for (let at = 8; at + 8 <= head.length; ) {
    const length = head.readUInt32BE(at);
    const type = head.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT') return undefined;
    if (type === 'eXIf') return head.subarray(at + 8, at + 8 + length);
    at += 12 + length;
  }
  return undefined;
}

function webpExif(head: Buffer): Buffer | undefined {
  for (let at = 12; at + 8 <= head.length; ) {
    const size = head.readUInt32LE(at + 4);
    if (head.toString('latin1', at, at + 4) === 'EXIF') return head.subarray(at + 8, at + 8 + size);
    at += 8 + size + (size & 1);
  }
  return undefined;
}

import exifReader from 'exif-reader';

// What libvips' loaders make of a header beyond what image-size reads, so that the web-only
// instance's validator (validate-header.ts) sees the size sharp would: each rule was measured
// against sharp's metadata() (test/photos/pipeline/validators-agree.test.ts).

// The frame types libjpeg-turbo decodes: baseline, extended, progressive and lossless, Huffman or
// arithmetic coded (image-size knows the first three). Hierarchical frames (C5-C7, CD-CF) it refuses.
const JPEG_FRAMES = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc9, 0xca, 0xcb]);
const JPEG_UNSUPPORTED_FRAMES = new Set([0xc5, 0xc6, 0xc7, 0xcd, 0xce, 0xcf]);

/**
 * A JPEG's size from its first frame header and its EXIF orientation (APP1), walking the marker
 * segments as libjpeg does; undefined if no decodable frame header is in `head`.
 */
export function jpegFrame(head: Buffer): { width: number; height: number; orientation: number | undefined } | undefined {
  let orientation: number | undefined;
  for (let at = 2; at + 4 <= head.length && head[at] === 0xff; ) {
    // T.81 B.1.1.2: any number of 0xFF fill bytes may precede a marker (libjpeg skips them).
    while (head[at + 1] === 0xff && at + 5 <= head.length) at++;
    const marker = head[at + 1]!;
    const length = head.readUInt16BE(at + 2);
    if (JPEG_FRAMES.has(marker)) {
      if (at + 9 > head.length) return undefined;
      return { height: head.readUInt16BE(at + 5), width: head.readUInt16BE(at + 7), orientation };
    }
    if (JPEG_UNSUPPORTED_FRAMES.has(marker) || marker === 0xda) return undefined;
    if (marker === 0xe1 && orientation === undefined && head.toString('latin1', at + 4, at + 10) === 'Exif\0\0') {
      orientation = exifOrientation(head.subarray(at + 4, at + 2 + length));
    }
    at += 2 + length;
  }
  return undefined;
}

/** libwebp's WEBP_MAX_DIMENSION: a larger declared side is an invalid file to libvips, not a big one. */
export const WEBP_MAX_DIMENSION = 16_383;

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
  let at = 13 + colourTableBytes(head[10]!);
  while (at < head.length && head[at] !== 0x3b) {
    if (head[at] === 0x21) {
      at = skipSubBlocks(head, at + 2);
    } else if (head[at] === 0x2c && at + 10 <= head.length) {
      if (frames === 0 && !saneScreen) [width, height] = [1, 1];
      width = Math.max(width, head.readUInt16LE(at + 1) + head.readUInt16LE(at + 5));
      height = Math.max(height, head.readUInt16LE(at + 3) + head.readUInt16LE(at + 7));
      frames++;
      at = skipSubBlocks(head, at + 10 + colourTableBytes(head[at + 9]!) + 1);
    } else {
      break;
    }
  }
  return frames > 0 ? { width, height } : undefined;
}

function colourTableBytes(flags: number): number {
  return flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0;
}

function skipSubBlocks(head: Buffer, at: number): number {
  let next = at;
  while (next < head.length && head[next] !== 0) next += head[next]! + 1;
  return next + 1;
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

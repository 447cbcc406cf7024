import sharp from 'sharp';
import { endOfGifSubBlocks, gifColourTableBytes } from '../../src/media/images/gif-blocks.js';
import { makeImage, pngChunk } from './images.js';

// Headers edited after encoding: each declares what an attacker would (a pixel flood, zero
// dimensions, a cut-off file), for suites that check the upload gate's header parsers.

/** The offset of a JPEG's first SOFn marker segment (FFC0-FFCF but DHT C4, JPG C8, DAC CC), found by walking the segments. */
function sofOffset(jpeg: Buffer): number {
  let at = 2;
  while (at + 4 <= jpeg.length) {
    const marker = jpeg[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return at;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  throw new Error('no SOF segment');
}

/** A JPEG (progressive when asked; its SOF marker changed when given) whose frame header declares width × height. */
export async function makeJpegDeclaring(width: number, height: number, options: { progressive?: boolean; frameMarker?: number } = {}): Promise<Buffer> {
  const jpeg = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#468' } }).jpeg({ progressive: options.progressive ?? false }).toBuffer());
  const sof = sofOffset(jpeg);
  jpeg.writeUInt16BE(height, sof + 5);
  jpeg.writeUInt16BE(width, sof + 7);
  if (options.frameMarker !== undefined) jpeg[sof + 1] = options.frameMarker;
  return jpeg;
}

/** A lossy WebP (simple VP8) whose key frame declares width × height (14 bits each). */
export async function makeWebpLossyDeclaring(width: number, height: number): Promise<Buffer> {
  const webp = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#468' } }).webp({ lossless: false }).toBuffer());
  if (webp.toString('latin1', 12, 16) !== 'VP8 ') throw new Error('expected a simple lossy WebP');
  webp.writeUInt16LE(width & 0x3fff, 26);
  webp.writeUInt16LE(height & 0x3fff, 28);
  return webp;
}

/** A lossless WebP (simple VP8L) whose bitstream header declares width × height (14 bits each). */
export async function makeWebpLosslessDeclaring(width: number, height: number): Promise<Buffer> {
  const webp = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#468' } }).webp({ lossless: true }).toBuffer());
  if (webp.toString('latin1', 12, 16) !== 'VP8L') throw new Error('expected a simple lossless WebP');
  writeVp8lSize(webp, 21, width, height);
  return webp;
}

/** An extended WebP (VP8X, lossy with alpha) whose canvas and key frame both declare width × height. */
export async function makeWebpExtendedDeclaring(width: number, height: number): Promise<Buffer> {
  const webp = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 40, g: 60, b: 80, alpha: 0.5 } } }).webp({ lossless: false }).toBuffer());
  if (webp.toString('latin1', 12, 16) !== 'VP8X') throw new Error('expected an extended WebP');
  webp.writeUIntLE(width - 1, 24, 3);
  webp.writeUIntLE(height - 1, 27, 3);
  const vp8 = webp.indexOf('VP8 ', 30, 'latin1');
  webp.writeUInt16LE(width & 0x3fff, vp8 + 14);
  webp.writeUInt16LE(height & 0x3fff, vp8 + 16);
  return webp;
}

function writeVp8lSize(webp: Buffer, at: number, width: number, height: number): void {
  const bits = (webp.readUInt32LE(at) & ~0x0fffffff) | ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  webp.writeUInt32LE(bits >>> 0, at);
}

/** The offset of each image descriptor of a GIF, found by walking its blocks. */
function gifDescriptors(gif: Buffer): number[] {
  const skipSubBlocks = (from: number) => {
    const end = endOfGifSubBlocks(gif, from);
    if (end === undefined) throw new Error('GIF sub-blocks run past the file');
    return end;
  };
  const found: number[] = [];
  for (let at = 13 + gifColourTableBytes(gif[10]!); gif[at] !== 0x3b; ) {
    if (gif[at] === 0x21) at = skipSubBlocks(at + 2);
    else if (gif[at] === 0x2c) {
      found.push(at);
      at = skipSubBlocks(at + 10 + gifColourTableBytes(gif[at + 9]!) + 1);
    } else throw new Error(`unexpected GIF block ${gif[at]}`);
  }
  return found;
}

/** A GIF whose logical screen declares screen[0] × screen[1] and whose first frame sits at frame = [left, top, width, height]. */
export async function makeGifDeclaring(screen: readonly [number, number], frame?: readonly [number, number, number, number]): Promise<Buffer> {
  const gif = Buffer.from(await makeImage('gif', { width: 16, height: 16 }));
  gif.writeUInt16LE(screen[0], 6);
  gif.writeUInt16LE(screen[1], 8);
  if (frame) {
    const descriptor = gifDescriptors(gif)[0]!;
    frame.forEach((value, i) => gif.writeUInt16LE(value, descriptor + 1 + 2 * i));
  }
  return gif;
}

/** An AVIF whose `ispe` (image spatial extents) properties declare width × height. */
export async function makeAvifDeclaring(width: number, height: number): Promise<Buffer> {
  const avif = Buffer.from(await makeImage('avif', { width: 16, height: 16 }));
  let found = 0;
  for (let at = avif.indexOf('ispe', 0, 'latin1'); at > 0; at = avif.indexOf('ispe', at + 4, 'latin1')) {
    avif.writeUInt32BE(width, at + 8);
    avif.writeUInt32BE(height, at + 12);
    found++;
  }
  if (found === 0) throw new Error('no ispe box');
  return avif;
}

/** A PNG whose IHDR declares width × height, with a correct CRC. */
export async function makePngHeaderDeclaring(width: number, height: number): Promise<Buffer> {
  const png = Buffer.from(await makeImage('png', { width: 16, height: 16 }));
  const ihdr = Buffer.from(png.subarray(16, 29));
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  return Buffer.concat([png.subarray(0, 8), pngChunk('IHDR', ihdr), png.subarray(33)]);
}

/** sharp's Display P3 profile grown to `bytes` (zeros after its tags, its size field to match): a valid profile, as large as asked. */
async function largeIccProfile(bytes: number): Promise<Buffer> {
  const tagged = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#468' } }).withIccProfile('p3').jpeg().toBuffer();
  const { icc } = await sharp(tagged).metadata();
  if (!icc || icc.length > bytes) throw new Error('expected a small ICC profile');
  const profile = Buffer.concat([icc, Buffer.alloc(bytes - icc.length)]);
  profile.writeUInt32BE(bytes, 0);
  return profile;
}

/** An ICC profile split over APP2 segments as ICC.1 B.4 lays it out. */
function iccApp2Segments(profile: Buffer): Buffer[] {
  const bytes = profile.length;
  const perSegment = 65_535 - 2 - 14;
  const count = Math.ceil(bytes / perSegment);
  return Array.from({ length: count }, (_, i) => {
    const body = profile.subarray(i * perSegment, (i + 1) * perSegment);
    const header = Buffer.alloc(18);
    header.writeUInt16BE(0xffe2, 0);
    header.writeUInt16BE(2 + 14 + body.length, 2);
    header.write('ICC_PROFILE\0', 4, 'latin1');
    [header[16], header[17]] = [i + 1, count];
    return Buffer.concat([header, body]);
  });
}

/** A JPEG (without a profile) whose first segments are a valid ICC profile of `iccBytes` (so its frame header lies past them). */
export async function withLargeIccProfile(jpeg: Buffer, iccBytes: number): Promise<Buffer> {
  return Buffer.concat([jpeg.subarray(0, 2), ...iccApp2Segments(await largeIccProfile(iccBytes)), jpeg.subarray(2)]);
}

/** A JPEG with `bytes` of comment (COM) segments right after SOI, before its own APP segments. */
export function withLargeComment(jpeg: Buffer, bytes: number): Buffer {
  const segments: Buffer[] = [];
  for (let left = bytes; left > 0; left -= 65_533) {
    const body = Buffer.alloc(Math.min(left, 65_533), 0x20);
    const header = Buffer.from([0xff, 0xfe, 0, 0]);
    header.writeUInt16BE(body.length + 2, 2);
    segments.push(header, body);
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

/** An extended WebP (VP8X with alpha, 16 × 16 bitstream) whose VP8X canvas declares width × height. */
export async function makeWebpCanvasDeclaring(width: number, height: number): Promise<Buffer> {
  const webp = await makeWebpExtendedDeclaring(16, 16);
  webp.writeUIntLE(width - 1, 24, 3);
  webp.writeUIntLE(height - 1, 27, 3);
  return webp;
}

/** An extended WebP with an ICCP chunk of `iccBytes` (ICC flag set) between VP8X and the bitstream. */
export function withLargeWebpIcc(webp: Buffer, iccBytes: number): Buffer {
  if (webp.toString('latin1', 12, 16) !== 'VP8X') throw new Error('expected an extended WebP');
  const iccp = Buffer.alloc(8 + iccBytes + (iccBytes & 1), 0x5a);
  iccp.write('ICCP', 0, 'latin1');
  iccp.writeUInt32LE(iccBytes, 4);
  iccp.writeUInt32BE(iccBytes, 8);
  const out = Buffer.concat([webp.subarray(0, 30), iccp, webp.subarray(30)]);
  out[20] = out[20]! | 0x20;
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

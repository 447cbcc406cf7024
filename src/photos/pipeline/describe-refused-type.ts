import { describeAcceptedFormats, type DecodableFormats } from './accepted-formats.js';

export interface SniffedType {
  readonly ext: string;
  readonly mime: string;
}

// Names from fixed tables only: nothing from the file's bytes or name is echoed back to the user
// (OWASP File Upload Cheat Sheet: do not reflect uploaded content in responses).
const LABEL_BY_EXT: Readonly<Record<string, string>> = {
  pdf: 'PDF documents',
  zip: 'ZIP archives',
  gz: 'Compressed archives',
  '7z': 'Compressed archives',
  rar: 'Compressed archives',
  tar: 'Archives',
  exe: 'Programs',
  elf: 'Programs',
  tif: 'TIFF images',
  bmp: 'BMP images',
  ico: 'Icon files',
  psd: 'Photoshop (PSD) files',
  jxl: 'JPEG XL images',
  jp2: 'JPEG 2000 images',
  jpx: 'JPEG 2000 images',
  heic: 'HEIC photos',
  avif: 'AVIF images',
  xml: 'XML files',
  swf: 'Flash files',
};

/** A user-facing refusal that names what the file looked like, when a fixed label exists for it. */
export function describeRefusedType(sniffed: SniffedType | undefined, head: Buffer, decodable: DecodableFormats): string {
  const label = labelFor(sniffed, head);
  const ask = `Upload a ${describeAcceptedFormats(decodable)} image.`;
  return label ? `${label} are not accepted. ${ask}` : `This file type is not accepted. ${ask}`;
}

function labelFor(sniffed: SniffedType | undefined, head: Buffer): string | undefined {
  const text = head.toString('latin1').toLowerCase();
  // SVG and HTML run script in the viewer's origin (stored XSS), so they are named explicitly.
  if (text.includes('<svg')) return 'SVG files';
  if (/<!doctype html|<html|<script|<body/.test(text)) return 'HTML files';
  if (sniffed) {
    if (Object.hasOwn(LABEL_BY_EXT, sniffed.ext)) return LABEL_BY_EXT[sniffed.ext];
    if (sniffed.mime.startsWith('video/')) return 'Videos';
    if (sniffed.mime.startsWith('audio/')) return 'Audio files';
    return undefined;
  }
  if (text.includes('<?php')) return 'PHP scripts';
  if (isPlainText(head)) return 'Text files';
  return undefined;
}

function isPlainText(head: Buffer): boolean {
  for (const byte of head) {
    const printable = byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte !== 0x7f);
    if (!printable) return false;
  }
  return head.length > 0;
}

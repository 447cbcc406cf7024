import { ScanFailedError, type ScanResult } from './scanner.js';

// clamd protocol (docs.clamav.net, "ClamD Protocol"): a `z` prefix makes commands and replies
// NUL-terminated; INSTREAM data follows as chunks of <4-byte big-endian length><bytes>, ended by
// a zero-length chunk.
export const INSTREAM_COMMAND = Buffer.from('zINSTREAM\0', 'latin1');
export const PING_COMMAND = Buffer.from('zPING\0', 'latin1');
export const END_OF_STREAM = Buffer.alloc(4);

export function chunkHeader(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length, 0);
  return header;
}

// The signature name ends up in logs and the database; keep it short and printable.
const SIGNATURE_PATTERN = /^stream: ([\x21-\x7e][\x20-\x7e]{0,199}) FOUND$/;

/** Turns an INSTREAM reply into a result; anything but OK or FOUND fails closed. */
export function parseScanReply(reply: string): ScanResult {
  const line = reply.trim();
  if (line === 'stream: OK') return { clean: true };
  const found = SIGNATURE_PATTERN.exec(line);
  if (found?.[1]) return { clean: false, signature: found[1] };
  if (line.includes('size limit exceeded')) {
    throw new ScanFailedError('clamd refused the file: INSTREAM size limit exceeded (raise StreamMaxLength in clamd.conf)');
  }
  throw new ScanFailedError(`clamd could not scan the file: ${JSON.stringify(line.slice(0, 200))}`);
}

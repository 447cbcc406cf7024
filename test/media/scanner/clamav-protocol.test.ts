import { describe, expect, it } from 'vitest';
import { chunkHeader, parseScanReply } from '../../../src/media/scanner/clamav-protocol.js';
import { ScanFailedError } from '../../../src/media/scanner/scanner.js';

describe('parseScanReply', () => {
  it('reads OK and FOUND replies', () => {
    expect(parseScanReply('stream: OK')).toEqual({ clean: true });
    expect(parseScanReply('stream: Eicar-Test-Signature.UNOFFICIAL FOUND')).toEqual({
      clean: false,
      signature: 'Eicar-Test-Signature.UNOFFICIAL',
    });
  });

  it('fails closed on the size limit, errors and anything unexpected', () => {
    expect(() => parseScanReply('INSTREAM size limit exceeded. ERROR')).toThrow(/StreamMaxLength/);
    expect(() => parseScanReply('stream: Can\'t allocate memory ERROR')).toThrow(ScanFailedError);
    expect(() => parseScanReply('COMMAND READ TIMED OUT')).toThrow(ScanFailedError);
    expect(() => parseScanReply('')).toThrow(ScanFailedError);
    expect(() => parseScanReply('stream: OK but not really')).toThrow(ScanFailedError);
  });

  it('does not accept a signature name with control characters', () => {
    expect(() => parseScanReply('stream: Evil\u001b[31mName FOUND')).toThrow(ScanFailedError);
  });
});

describe('chunkHeader', () => {
  it('is the length as 4 bytes, big-endian', () => {
    expect([...chunkHeader(0x01020304)]).toEqual([1, 2, 3, 4]);
    expect([...chunkHeader(0)]).toEqual([0, 0, 0, 0]);
  });
});

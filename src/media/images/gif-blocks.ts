// The GIF89a block layout both GIF readers walk: the web-only upload gate (libnsgif's canvas, in
// photos/pipeline/header-quirks.ts) and the lossless stripper (lossless/strip-gif.ts). One walk, so
// the two can never disagree on where a block ends.

/** Bytes of a colour table whose presence and size are in a packed field (flag 0x80, 2^(n+1) entries of 3 bytes). */
export function gifColourTableBytes(packed: number): number {
  return (packed & 0x80) === 0 ? 0 : 3 * 2 ** ((packed & 0x07) + 1);
}

/**
 * Where a run of data sub-blocks starting at `start` ends, just past its zero-length terminator
 * (GIF89a 15: a length byte, that many bytes, ... then 0); undefined if it runs past `bytes`.
 */
export function endOfGifSubBlocks(bytes: Buffer, start: number): number | undefined {
  let position = start;
  while (position < bytes.length) {
    const length = bytes[position]!;
    position += 1 + length;
    if (length === 0) return position;
  }
  return undefined;
}

import { endOfGifSubBlocks, gifColourTableBytes } from '../gif-blocks.js';
import { malformed } from './strip-error.js';

// Each frame is an image descriptor and usually one graphic control extension.
const MAX_BLOCKS = 131_072;
const EXTENSION = 0x21;
const IMAGE = 0x2c;
const TRAILER = 0x3b;
const GRAPHIC_CONTROL = 0xf9;
const APPLICATION = 0xff;
const LOOPING_ID = 'NETSCAPE2.0';

/**
 * A GIF with every metadata block removed and its image data untouched (GIF89a). Kept: the header and
 * logical screen descriptor with the global colour table, every frame (image descriptor, local colour
 * table and LZW data copied byte for byte), each frame's graphic control extension (transparency and
 * delay, rebuilt from its 4 bytes) and the NETSCAPE2.0 loop count (rebuilt from its 2 bytes). Dropped:
 * comment and plain-text extensions, every other application extension (XMP lives in one, as do
 * ICC and maker data), unknown extensions, and any byte after the trailer. An animation keeps all its
 * frames: it is the upload itself, and cutting out the first frame alone would mean re-encoding it.
 *
 * Malformed structure (no GIF header, a colour table or block running past the end, a graphic
 * control extension that is not 4 bytes, no frame, no trailer, too many blocks) throws
 * ImageDecodeError('corrupt'), as does a frame count other than `decodedFrames` (the pages libvips
 * reads): its loader stops at a frame it cannot read, and frames after it would be stored, and
 * shown by another decoder, without ever being decoded or moderated here.
 */
export function stripGif(input: Buffer, decodedFrames?: number): Buffer {
  const version = input.toString('latin1', 0, 6);
  if (input.length < 13 || (version !== 'GIF87a' && version !== 'GIF89a')) throw malformed('GIF', 'no GIF header');
  let position = 13 + gifColourTableBytes(input[10] as number);
  if (position > input.length) throw malformed('GIF', 'global colour table runs past the file');
  const parts: Buffer[] = [input.subarray(0, position)];
  let frames = 0;
  for (let blocks = 0; ; blocks++) {
    if (blocks >= MAX_BLOCKS) throw malformed('GIF', 'too many blocks');
    if (position >= input.length) throw malformed('GIF', 'ends before the trailer');
    const introducer = input[position] as number;
    if (introducer === TRAILER) break;
    if (introducer === IMAGE) {
      const end = endOfFrame(input, position);
      parts.push(input.subarray(position, end));
      position = end;
      frames++;
    } else if (introducer === EXTENSION) {
      if (position + 2 > input.length) throw malformed('GIF', 'truncated extension');
      const label = input[position + 1] as number;
      const end = endOfSubBlocks(input, position + 2);
      const kept = keptExtension(label, input.subarray(position + 2, end));
      if (kept) parts.push(kept);
      position = end;
    } else {
      throw malformed('GIF', `unexpected byte 0x${introducer.toString(16)} at ${position}`);
    }
  }
  if (frames === 0) throw malformed('GIF', 'no image');
  if (decodedFrames !== undefined && frames !== decodedFrames) throw malformed('GIF', `${frames} frames, of which the decoder reads ${decodedFrames}`);
  parts.push(Buffer.from([TRAILER]));
  return Buffer.concat(parts);
}

/** Where a frame ends: its 10-byte descriptor, local colour table, LZW code size and data sub-blocks. */
function endOfFrame(input: Buffer, start: number): number {
  if (start + 10 > input.length) throw malformed('GIF', 'truncated image descriptor');
  const data = start + 10 + gifColourTableBytes(input[start + 9] as number);
  if (data + 1 > input.length) throw malformed('GIF', 'local colour table runs past the file');
  return endOfSubBlocks(input, data + 1);
}

/** Where a run of data sub-blocks ends; a run past the file is malformed. */
function endOfSubBlocks(input: Buffer, start: number): number {
  const end = endOfGifSubBlocks(input, start);
  if (end === undefined) throw malformed('GIF', 'data sub-blocks run past the file');
  return end;
}

/** The extension rebuilt from the fields display needs, or undefined when it is metadata. */
function keptExtension(label: number, subBlocks: Buffer): Buffer | undefined {
  const firstLength = subBlocks[0] as number;
  const first = subBlocks.subarray(1, 1 + firstLength);
  if (label === GRAPHIC_CONTROL) {
    if (firstLength !== 4) throw malformed('GIF', 'graphic control extension is not 4 bytes');
    return Buffer.concat([Buffer.from([EXTENSION, GRAPHIC_CONTROL, 4]), first, Buffer.from([0])]);
  }
  if (label !== APPLICATION || firstLength !== 11 || first.toString('latin1') !== LOOPING_ID) return undefined;
  // The loop sub-block: ID 1 and a 16-bit count. Any other sub-block (a buffering hint) is dropped.
  const loop = subBlocks.subarray(12, 12 + 1 + (subBlocks[12] ?? 0));
  if (loop[0] !== 3 || loop[1] !== 1) return undefined;
  return Buffer.concat([Buffer.from([EXTENSION, APPLICATION, 11]), first, loop, Buffer.from([0])]);
}
